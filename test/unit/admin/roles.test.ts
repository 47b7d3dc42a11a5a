import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authorize, callerFromClaims, resumeAtAfterMove, type Caller } from '../../../functions/app/admin.ts';
import { isEmailVerified, parseGroupsClaim } from '../../../functions/app/auth-claims.ts';
import { HttpError } from '../../../functions/http/errors.ts';
import type { Group, MeetingPhase } from '../../../functions/domain/types.ts';
import { defaultGroupSettings } from '../../../functions/domain/deadlines.ts';
import type { MeetingRecord } from '../../../functions/store/records.ts';

describe('parseGroupsClaim', () => {
  it('reads every form API Gateway and Cognito use', () => {
    expect(parseGroupsClaim('[chair secretary]')).toEqual(['chair', 'secretary']);
    expect(parseGroupsClaim('chair')).toEqual(['chair']);
    expect(parseGroupsClaim('[chair]')).toEqual(['chair']);
    expect(parseGroupsClaim(['secretary', 'chair'])).toEqual(['secretary', 'chair']);
    expect(parseGroupsClaim('["chair","secretary"]')).toEqual(['chair', 'secretary']);
    expect(parseGroupsClaim('[]')).toEqual([]);
    expect(parseGroupsClaim(undefined)).toEqual([]);
    expect(parseGroupsClaim(42)).toEqual([]);
  });

  it('grants nothing for a claim that could mean two things: spaces, commas, quotes inside a name', () => {
    expect(parseGroupsClaim('vice chair')).toEqual([]);
    expect(parseGroupsClaim('chair,secretary')).toEqual([]);
    expect(parseGroupsClaim('[vice  chair]')).toEqual([]);
    expect(parseGroupsClaim(' chair')).toEqual([]);
    expect(parseGroupsClaim(['vice chair'])).toEqual([]);
    expect(parseGroupsClaim(['chair', 7])).toEqual([]);
    expect(parseGroupsClaim('["chair secretary"]')).toEqual([]);
  });

  it('round-trips any list of group names in the bracketed form', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/);
    fc.assert(fc.property(fc.array(name, { maxLength: 5 }), (names) => {
      expect(parseGroupsClaim(`[${names.join(' ')}]`)).toEqual(names);
      expect(parseGroupsClaim(names)).toEqual(names);
    }));
  });
});

describe('callerFromClaims', () => {
  it('needs an e-mail and a subject', () => {
    expect(callerFromClaims(undefined)).toBeNull();
    expect(callerFromClaims({ sub: 's' })).toBeNull();
    expect(callerFromClaims({ email: 'a@b.c' })).toBeNull();
    expect(callerFromClaims({ sub: 's', email: ' a@b.c ', email_verified: 'true', 'cognito:groups': '[chair]' })).toEqual({ sub: 's', email: 'a@b.c', groups: ['chair'] });
  });

  it('needs a verified e-mail (the boolean of a token, or the string API Gateway renders)', () => {
    expect(callerFromClaims({ sub: 's', email: 'a@b.c', 'cognito:groups': '[chair]' })).toBeNull();
    expect(callerFromClaims({ sub: 's', email: 'a@b.c', email_verified: 'false', 'cognito:groups': '[chair]' })).toBeNull();
    expect(callerFromClaims({ sub: 's', email: 'a@b.c', email_verified: true })?.email).toBe('a@b.c');
    expect([isEmailVerified(true), isEmailVerified('true'), isEmailVerified('TRUE'), isEmailVerified(1)]).toEqual([true, true, false, false]);
  });
});

const group: Group = {
  id: 'g',
  bodyName: 'Администрация',
  name: 'Группа',
  settings: { ...defaultGroupSettings },
  members: [
    { id: 'chair', name: 'C', email: 'Chair@City.test', role: 'chair', lang: 'ru' },
    { id: 'deputy', name: 'D', email: 'deputy@city.test', role: 'deputy', lang: 'ru' },
    { id: 'sec', name: 'S', email: 'sec@city.test', role: 'secretary', lang: 'ru' },
    { id: 'm1', name: 'M', email: 'm1@city.test', role: 'member', lang: 'ru' },
  ],
};
const caller = (email: string, groups: string[]): Caller => ({ email, sub: email, groups });
const meeting = (extra: Partial<MeetingRecord> = {}) => ({ meeting: { actingSecretaryId: undefined, ...extra } as MeetingRecord, absent: [] as string[] });
const status = (fn: () => unknown) => {
  try {
    fn();
    return 200;
  } catch (error) {
    return (error as HttpError).status;
  }
};

describe('authorize', () => {
  it('needs both the Cognito group and the role in the roster (e-mail compared case-insensitively)', () => {
    expect(authorize(caller('chair@city.test', ['chair']), group, 'chair').id).toBe('chair');
    expect(status(() => authorize(caller('chair@city.test', ['secretary']), group, 'chair'))).toBe(403);
    expect(status(() => authorize(caller('m1@city.test', ['chair']), group, 'chair'))).toBe(403);
    expect(status(() => authorize(caller('sec@city.test', ['chair', 'secretary']), group, 'chair'))).toBe(403);
    expect(authorize(caller('sec@city.test', ['secretary']), group, 'secretary').id).toBe('sec');
    expect(status(() => authorize(caller('nobody@city.test', ['chair']), group, 'read'))).toBe(403);
  });

  it('lets the deputy act as chair only while the chair is recorded absent for that meeting (п. 2.4)', () => {
    const deputy = caller('deputy@city.test', ['chair']);
    expect(status(() => authorize(deputy, group, 'chair'))).toBe(403);
    expect(status(() => authorize(deputy, group, 'chair', meeting()))).toBe(403);
    expect(authorize(deputy, group, 'chair', { ...meeting(), absent: ['chair'] }).id).toBe('deputy');
  });

  it('lets the acting secretary act as secretary (п. 2.5)', () => {
    const m1 = caller('m1@city.test', ['secretary']);
    expect(status(() => authorize(m1, group, 'secretary', meeting()))).toBe(403);
    expect(authorize(m1, group, 'secretary', meeting({ actingSecretaryId: 'm1' })).id).toBe('m1');
  });
});

describe('resumeAtAfterMove', () => {
  it('resumes where the meeting was; refuses phases that cannot move', () => {
    const at = (phase: MeetingPhase, approved = false) => resumeAtAfterMove({ phase, ...(approved ? { agendaApprovedAt: '2026-03-01T00:00:00Z' } : {}) });
    expect(at('convened')).toBe('start');
    expect(at('agenda-proposals')).toBe('start');
    expect(at('agenda-approval')).toBe('agenda-approval');
    expect(at('agenda-approval', true)).toBe('notice');
    expect(at('notified')).toBe('notice');
    expect(() => at('in-session')).toThrow();
  });
});
