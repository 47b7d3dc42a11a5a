/**
 * The group's roster and who does what at a meeting (SPEC «Who»; п. 2.2–2.5 of the regulation).
 * Chair, deputy chair and secretary are members (п. 2.2): they count for quorum and vote.
 * Invitees (п. 2.3б) receive the notice and materials but never count for quorum and never vote.
 */
import type { Invitee, Member } from './types.ts';
import { domainError, type DomainError, type LocalisedText } from './result.ts';

// Practical e-mail check: ASCII local part (what SMTP relays accept), a domain of at least two
// labels; Unicode letters are allowed in the domain (e.g. «почта.рф»).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LEVEL = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/iu;

export function isValidEmail(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 254 || value.trim() !== value) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split('.');
  if (local.length > 64 || !LOCAL_PART.test(local) || labels.length < 2) return false;
  return labels.every((label) => DOMAIN_LABEL.test(label)) && TOP_LEVEL.test(labels[labels.length - 1] ?? '');
}

/** E-mails are compared case-insensitively (SPEC: unique e-mails). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Most members a roster may have (the admin API refuses more; README «Admin API»). */
export const MAX_ROSTER_MEMBERS = 5000;

/** At most this many problems are listed one by one; the rest are counted in one more entry. */
const MAX_LISTED_PROBLEMS = 50;

/** A roster over MAX_ROSTER_MEMBERS, as a problem to report (null: within the limit). */
export function rosterSizeError(count: number, field = 'members'): DomainError | null {
  if (count <= MAX_ROSTER_MEMBERS) return null;
  return domainError(
    field,
    'roster-too-large',
    `Число членов в составе — ${count}; допускается не более ${MAX_ROSTER_MEMBERS}.`,
    `The roster has ${count} members; at most ${MAX_ROSTER_MEMBERS} are allowed.`,
  );
}

/** Validates the roster: exactly one chair, at most one deputy, exactly one secretary (п. 2.2),
 *  unique member ids, valid and unique e-mails (members and invitees together), non-empty names.
 *  A roster with very many problems lists the first MAX_LISTED_PROBLEMS and counts the rest. */
export function validateRoster(members: readonly Member[], invitees: readonly Pick<Invitee, 'email' | 'name'>[] = [], field = 'members'): DomainError[] {
  const errors = rosterProblems(members, invitees, field);
  if (errors.length <= MAX_LISTED_PROBLEMS) return errors;
  const more = errors.length - MAX_LISTED_PROBLEMS;
  return [
    ...errors.slice(0, MAX_LISTED_PROBLEMS),
    domainError(field, 'more-problems', `Прочих замечаний к составу: ${more}.`, `…and ${more} more problems with the roster.`),
  ];
}

function rosterProblems(members: readonly Member[], invitees: readonly Pick<Invitee, 'email' | 'name'>[], field: string): DomainError[] {
  const tooLarge = rosterSizeError(members.length, field);
  const errors: DomainError[] = tooLarge ? [tooLarge] : [];
  const count = (role: Member['role']) => members.filter((m) => m.role === role).length;

  const chairs = count('chair');
  if (chairs === 0) errors.push(domainError(field, 'no-chair', 'В составе нет председателя рабочей группы (п. 2.2).', 'The roster has no chair (п. 2.2).'));
  if (chairs > 1) errors.push(domainError(field, 'multiple-chairs', `В составе ${chairs} председателя; должен быть один (п. 2.2).`, `The roster has ${chairs} chairs; there must be exactly one (п. 2.2).`));
  const deputies = count('deputy');
  if (deputies > 1) errors.push(domainError(field, 'multiple-deputies', `В составе ${deputies} заместителя председателя; допускается не более одного (п. 2.2).`, `The roster has ${deputies} deputy chairs; at most one is allowed (п. 2.2).`));
  const secretaries = count('secretary');
  if (secretaries === 0) errors.push(domainError(field, 'no-secretary', 'В составе нет секретаря рабочей группы (п. 2.2).', 'The roster has no secretary (п. 2.2).'));
  if (secretaries > 1) errors.push(domainError(field, 'multiple-secretaries', `В составе ${secretaries} секретаря; должен быть один (п. 2.2).`, `The roster has ${secretaries} secretaries; there must be exactly one (п. 2.2).`));

  const seenIds = new Set<string>();
  const seenEmails = new Map<string, string>();
  const checkEmail = (email: unknown, path: string) => {
    if (!isValidEmail(email)) {
      errors.push(domainError(`${path}.email`, 'invalid-email', `Некорректный адрес электронной почты: «${String(email)}».`, `Not a valid e-mail address: "${String(email)}".`));
      return;
    }
    const key = normaliseEmail(email);
    const earlier = seenEmails.get(key);
    if (earlier !== undefined) {
      errors.push(domainError(`${path}.email`, 'duplicate-email', `Адрес ${email} уже указан (${earlier}); адреса не должны повторяться.`, `The address ${email} is already used (${earlier}); addresses must be unique.`));
    } else {
      seenEmails.set(key, path);
    }
  };

  members.forEach((member, i) => {
    const path = `${field}[${i}]`;
    if (typeof member.id !== 'string' || member.id.trim() === '') {
      errors.push(domainError(`${path}.id`, 'empty-id', 'У члена рабочей группы нет идентификатора.', 'A member has no id.'));
    } else if (seenIds.has(member.id)) {
      errors.push(domainError(`${path}.id`, 'duplicate-member', `Член рабочей группы с идентификатором «${member.id}» указан дважды.`, `The member id "${member.id}" appears twice.`));
    } else {
      seenIds.add(member.id);
    }
    if (typeof member.name !== 'string' || member.name.trim() === '') {
      errors.push(domainError(`${path}.name`, 'empty-name', 'Не указано имя члена рабочей группы.', 'A member has no name.'));
    }
    checkEmail(member.email, path);
  });
  invitees.forEach((invitee, i) => checkEmail(invitee.email, `invitees[${i}]`));
  return errors;
}

export const chairOf = (members: readonly Member[]): Member | undefined => members.find((m) => m.role === 'chair');
export const deputyOf = (members: readonly Member[]): Member | undefined => members.find((m) => m.role === 'deputy');
export const secretaryOf = (members: readonly Member[]): Member | undefined => members.find((m) => m.role === 'secretary');

export interface PresidingPerson {
  member: Member;
  /** 'deputy': the deputy acts for the absent chair (п. 2.4). */
  capacity: 'chair' | 'deputy';
}

/**
 * Who presides: the chair; while the chair is recorded absent, the deputy (п. 2.4).
 * null when neither is present: the meeting cannot be presided (see NO_PRESIDING_PERSON).
 */
export function presidingPerson(members: readonly Member[], absentIds: Iterable<string> = []): PresidingPerson | null {
  const absent = new Set(absentIds);
  const chair = chairOf(members);
  if (chair && !absent.has(chair.id)) return { member: chair, capacity: 'chair' };
  const deputy = deputyOf(members);
  if (deputy && !absent.has(deputy.id)) return { member: deputy, capacity: 'deputy' };
  return null;
}

export const NO_PRESIDING_PERSON: LocalisedText = {
  ru: 'Председатель и заместитель председателя отсутствуют: заседание некому вести (п. 2.4), решения не могут быть приняты.',
  en: 'Both the chair and the deputy chair are absent: nobody can preside over the meeting (п. 2.4), so no decision can be taken.',
};

/**
 * Checks the presiding person's appointment of an acting secretary (п. 2.5, last paragraph):
 * only while the secretary is absent; the appointee must be a member of the group, not recorded
 * absent, and not the absent secretary. Invitees cannot be appointed (they are not members).
 */
export function validateActingSecretary(members: readonly Member[], absentIds: Iterable<string>, appointeeId: string, field = 'actingSecretaryId'): DomainError[] {
  const absent = new Set(absentIds);
  const secretary = secretaryOf(members);
  const errors: DomainError[] = [];
  if (secretary && !absent.has(secretary.id)) {
    errors.push(domainError(field, 'secretary-present', `Секретарь ${secretary.name} не отмечен отсутствующим; исполняющий обязанности назначается только на время его отсутствия (п. 2.5).`, `The secretary ${secretary.name} is not recorded absent; an acting secretary is appointed only while the secretary is absent (п. 2.5).`));
  }
  if (!presidingPerson(members, absent)) {
    errors.push(domainError(field, 'no-presiding-person', NO_PRESIDING_PERSON.ru, NO_PRESIDING_PERSON.en));
  }
  const appointee = members.find((m) => m.id === appointeeId);
  if (!appointee) {
    errors.push(domainError(field, 'not-a-member', `«${appointeeId}» не является членом рабочей группы; исполнять обязанности секретаря может только член группы (п. 2.5).`, `"${appointeeId}" is not a member of the group; only a member can act as secretary (п. 2.5).`));
  } else if (secretary && appointee.id === secretary.id) {
    errors.push(domainError(field, 'appointee-is-secretary', 'Нельзя назначить исполняющим обязанности отсутствующего секретаря.', 'The absent secretary cannot be appointed as acting secretary.'));
  } else if (absent.has(appointee.id)) {
    errors.push(domainError(field, 'appointee-absent', `${appointee.name} отмечен(а) отсутствующим(ей) и не может исполнять обязанности секретаря.`, `${appointee.name} is recorded absent and cannot act as secretary.`));
  }
  return errors;
}

export interface ProtocolKeeper {
  member: Member;
  capacity: 'secretary' | 'acting-secretary';
}

/**
 * Who keeps the protocol (п. 2.5е): the secretary; while the secretary is absent, the acting
 * secretary appointed by the presiding person (п. 2.5, last paragraph), if the appointment is valid.
 * null: the secretary is absent and nobody (validly) stands in.
 */
export function protocolKeeper(members: readonly Member[], absentIds: Iterable<string>, actingSecretaryId?: string | null): ProtocolKeeper | null {
  const absent = new Set(absentIds);
  const secretary = secretaryOf(members);
  if (secretary && !absent.has(secretary.id)) return { member: secretary, capacity: 'secretary' };
  if (!actingSecretaryId || validateActingSecretary(members, absent, actingSecretaryId).length > 0) return null;
  const acting = members.find((m) => m.id === actingSecretaryId);
  return acting ? { member: acting, capacity: 'acting-secretary' } : null;
}

/** Members who vote and count for quorum: every member of the roster, never an invitee (п. 2.2, 2.3б). */
export function votingMemberIds(members: readonly Member[]): string[] {
  return [...new Set(members.map((m) => m.id))];
}
