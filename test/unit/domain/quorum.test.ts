import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assessQuorum, hasQuorum, participantIds, quorumThreshold, renderQuorum } from '../../../functions/domain/quorum.ts';
import { roster } from './fixtures.ts';

describe('quorum (п. 3.3)', () => {
  it('8 of 16 is a quorum, 7 of 16 is not', () => {
    expect(hasQuorum(8, 16)).toBe(true);
    expect(hasQuorum(7, 16)).toBe(false);
    expect(quorumThreshold(16)).toBe(8);
  });
  it('odd groups need more than a half rounded down', () => {
    expect(hasQuorum(8, 15)).toBe(true);
    expect(hasQuorum(7, 15)).toBe(false);
  });
  it('one-member group: the one member is a quorum, nobody is not', () => {
    expect(hasQuorum(1, 1)).toBe(true);
    expect(hasQuorum(0, 1)).toBe(false);
  });
  it('nobody taking part is never a quorum', () => {
    expect(hasQuorum(0, 0)).toBe(false);
  });
  it('refuses impossible counts', () => {
    expect(() => hasQuorum(17, 16)).toThrow(RangeError);
    expect(() => hasQuorum(-1, 16)).toThrow(RangeError);
    expect(() => hasQuorum(1.5, 16)).toThrow(RangeError);
  });
  it('is monotone in participants', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }))), ([n, a, b]) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        if (hasQuorum(low, n)) expect(hasQuorum(high, n)).toBe(true);
        expect(hasQuorum(low, n)).toBe(low * 2 >= n && low > 0);
      }),
    );
  });
  it('renders the statement in both languages', () => {
    expect(renderQuorum(assessQuorum(16, 8), 'ru')).toBe('Членов рабочей группы — 16, участвуют — 8 (нужно не менее 8). Кворум имеется (п. 3.3).');
    expect(renderQuorum(assessQuorum(16, 7), 'en')).toContain('There is no quorum');
  });
});

describe('participantIds', () => {
  const members = roster(6);
  it('unites confirmed, present and voted, once each, sorted and frozen', () => {
    const list = participantIds(members, { confirmed: ['m4', 'm1'], present: ['m1', 'm2'], voted: ['m5', 'm4'] });
    expect(list).toEqual(['m1', 'm2', 'm4', 'm5']);
    expect(Object.isFrozen(list)).toBe(true);
  });
  it('leaves out invitees and unknown ids', () => {
    expect(participantIds(members, { present: ['inv-1', 'm3'], voted: ['stranger'] })).toEqual(['m3']);
  });
  it('a ballot alone makes a participant', () => {
    expect(participantIds(members, { voted: ['m6'] })).toEqual(['m6']);
  });
});
