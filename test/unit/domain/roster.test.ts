import { describe, expect, it } from 'vitest';
import {
  isValidEmail, MAX_ROSTER_MEMBERS, NO_PRESIDING_PERSON, presidingPerson, protocolKeeper, rosterSizeError, validateActingSecretary, validateRoster, votingMemberIds,
} from '../../../functions/domain/roster.ts';
import { member, roster } from './fixtures.ts';

const codes = (errors: { code: string }[]) => errors.map((e) => e.code);

describe('validateRoster (п. 2.2)', () => {
  it('accepts chair, deputy, secretary and members', () => {
    expect(validateRoster(roster(16))).toEqual([]);
  });

  it('a group without a deputy is fine', () => {
    expect(validateRoster([member('a', 'chair'), member('b', 'secretary')])).toEqual([]);
  });

  it('requires exactly one chair and one secretary, at most one deputy', () => {
    expect(codes(validateRoster([member('a'), member('b')]))).toEqual(['no-chair', 'no-secretary']);
    expect(codes(validateRoster([member('a', 'chair'), member('b', 'chair'), member('c', 'deputy'), member('d', 'deputy'), member('e', 'secretary'), member('f', 'secretary')])))
      .toEqual(['multiple-chairs', 'multiple-deputies', 'multiple-secretaries']);
  });

  it('refuses duplicate ids and e-mails (case-insensitive), bad e-mails, empty names', () => {
    const errors = validateRoster([
      member('a', 'chair'),
      member('a', 'secretary', { email: 'other@example.ru' }),
      member('c', 'member', { email: 'A@Example.RU' }),
      member('d', 'member', { email: 'not-an-email' }),
      member('e', 'member', { name: '  ' }),
    ]);
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['members[1].id', 'duplicate-member'],
      ['members[2].email', 'duplicate-email'],
      ['members[3].email', 'invalid-email'],
      ['members[4].name', 'empty-name'],
    ]);
    for (const e of errors) {
      expect(e.message.ru.length).toBeGreaterThan(0);
      expect(e.message.en.length).toBeGreaterThan(0);
    }
  });

  it('accepts up to MAX_ROSTER_MEMBERS members and names the limit above it', () => {
    expect(MAX_ROSTER_MEMBERS).toBeGreaterThanOrEqual(2000);
    expect(validateRoster(roster(MAX_ROSTER_MEMBERS))).toEqual([]);
    expect(rosterSizeError(MAX_ROSTER_MEMBERS)).toBeNull();
    const tooLarge = validateRoster(roster(MAX_ROSTER_MEMBERS + 1));
    expect(codes(tooLarge)).toEqual(['roster-too-large']);
    expect(tooLarge[0]?.message.ru).toContain(`не более ${MAX_ROSTER_MEMBERS}`);
    expect(tooLarge[0]?.message.en).toContain(`at most ${MAX_ROSTER_MEMBERS}`);
  });

  it('lists the first 50 problems of a roster with thousands and counts the rest', () => {
    const members = roster(3000).map((m, i) => (i >= 10 ? { ...m, email: `bad-${i}` } : m));
    const errors = validateRoster(members);
    expect(errors).toHaveLength(51);
    expect(errors[0]?.field).toBe('members[10].email');
    expect(errors[50]).toMatchObject({ code: 'more-problems', message: { en: '…and 2940 more problems with the roster.' } });
  });

  it('an invitee may not reuse a member address', () => {
    expect(codes(validateRoster(roster(3), [{ name: 'X', email: 'M1@example.ru' }]))).toEqual(['duplicate-email']);
  });
});

describe('isValidEmail', () => {
  it.each(['ivanov@astrgorod.ru', 'a.b+c@mail.example.com', 'sec@почта.рф', 'x@xn--80a1acny.xn--p1ai'])('accepts %s', (email) => {
    expect(isValidEmail(email)).toBe(true);
  });
  it.each(['', 'ivanov', '@astrgorod.ru', 'a@b', 'a@@b.ru', 'a b@c.ru', 'a@b..ru', '.a@b.ru', ' a@b.ru', 'a@-b.ru', 'a@b.r'])('refuses %j', (email) => {
    expect(isValidEmail(email)).toBe(false);
  });
});

describe('presidingPerson (п. 2.4)', () => {
  const members = roster(5);
  it('is the chair when present', () => {
    expect(presidingPerson(members, [])).toEqual({ member: members[0], capacity: 'chair' });
  });
  it('is the deputy while the chair is recorded absent', () => {
    expect(presidingPerson(members, ['m1'])).toEqual({ member: members[1], capacity: 'deputy' });
  });
  it('is nobody when both are absent, and the message says so', () => {
    expect(presidingPerson(members, ['m1', 'm2'])).toBeNull();
    expect(presidingPerson([member('a', 'chair'), member('b', 'secretary')], ['a'])).toBeNull();
    expect(NO_PRESIDING_PERSON.ru).toContain('п. 2.4');
  });
  it('the deputy being absent does not matter while the chair presides', () => {
    expect(presidingPerson(members, ['m2'])?.capacity).toBe('chair');
  });
});

describe('acting secretary (п. 2.5, last paragraph)', () => {
  const members = roster(6);
  it('a present member may be appointed while the secretary is absent', () => {
    expect(validateActingSecretary(members, ['m3'], 'm4')).toEqual([]);
    expect(protocolKeeper(members, ['m3'], 'm4')).toEqual({ member: members[3], capacity: 'acting-secretary' });
  });
  it('the secretary keeps the protocol when present, whatever the appointment', () => {
    expect(protocolKeeper(members, [], 'm4')).toEqual({ member: members[2], capacity: 'secretary' });
    expect(codes(validateActingSecretary(members, [], 'm4'))).toEqual(['secretary-present']);
  });
  it('refuses a non-member, an absent member, the absent secretary', () => {
    expect(codes(validateActingSecretary(members, ['m3'], 'invitee-1'))).toEqual(['not-a-member']);
    expect(codes(validateActingSecretary(members, ['m3', 'm5'], 'm5'))).toEqual(['appointee-absent']);
    expect(codes(validateActingSecretary(members, ['m3'], 'm3'))).toEqual(['appointee-is-secretary']);
  });
  it('needs someone presiding to appoint', () => {
    expect(codes(validateActingSecretary(members, ['m1', 'm2', 'm3'], 'm4'))).toEqual(['no-presiding-person']);
  });
  it('nobody keeps the protocol when the secretary is absent and nobody is (validly) appointed', () => {
    expect(protocolKeeper(members, ['m3'])).toBeNull();
    expect(protocolKeeper(members, ['m3', 'm4'], 'm4')).toBeNull();
  });
});

describe('votingMemberIds', () => {
  it('lists every member once (invitees are not members)', () => {
    expect(votingMemberIds(roster(4))).toEqual(['m1', 'm2', 'm3', 'm4']);
  });
});
