/**
 * Who may act (the Cognito group and the roster role, п. 2.4, 2.5) and the helpers every admin use case
 * shares: loading, phases, audit, refusals.
 */
import type { DomainError } from '../../domain/result.ts';
import { normaliseEmail, presidingPerson } from '../../domain/roster.ts';
import type { Group, Member, MeetingPhase } from '../../domain/types.ts';
import { conflict, forbidden, HttpError, notFound, unauthorized, unprocessable } from '../../http/errors.ts';
import { ConditionFailedError } from '../../store/errors.ts';
import { type GroupWithAddresses, type MeetingBundle, type MeetingRecord } from '../../store/records.ts';
import { isEmailVerified, parseGroupsClaim } from '../auth-claims.ts';
import type { Deps } from '../deps.ts';
import { absentIds } from '../protocol-draft.ts';

/** The Cognito groups that carry admin rights (infra/config.ts ADMIN_GROUPS). */
export type AdminGroupName = 'chair' | 'secretary';

/** Who calls, as the JWT authorizer verified it. */
export interface Caller {
  email: string;
  sub: string;
  groups: string[];
}

/** null when the request carries no usable identity (→ 401), or an e-mail Cognito has not verified. */
export function callerFromClaims(claims: Record<string, unknown> | undefined | null): Caller | null {
  if (!claims) return null;
  const email = typeof claims.email === 'string' ? claims.email.trim() : '';
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  // The roster matches admins by e-mail: only an address the user proved they receive mail at counts.
  if (!email || !sub || !isEmailVerified(claims.email_verified)) return null;
  return { email, sub, groups: parseGroupsClaim(claims['cognito:groups']) };
}

export function requireCaller(caller: Caller | null): Caller {
  if (!caller) throw unauthorized();
  return caller;
}

function memberOfCaller(group: Group, caller: Caller): Member | undefined {
  const email = normaliseEmail(caller.email);
  return group.members.find((m) => normaliseEmail(m.email) === email);
}

type Need = 'chair' | 'presiding' | 'secretary' | 'read';

interface MeetingContext {
  meeting: MeetingRecord;
  absent: readonly string[];
}

const NEEDS: Record<Exclude<Need, 'read'>, { ru: string; en: string }> = {
  chair: {
    ru: 'Это действие выполняет председатель рабочей группы (или заместитель, пока председатель отмечен отсутствующим, п. 2.4).',
    en: 'Only the chair of the working group may do this (or the deputy while the chair is recorded absent, п. 2.4).',
  },
  presiding: {
    ru: 'Это действие выполняет председательствующий на заседании: председатель, а если он отмечен отсутствующим — заместитель (п. 2.4, 2.5).',
    en: 'Only the person presiding over the meeting may do this: the chair, or the deputy while the chair is recorded absent (п. 2.4, 2.5).',
  },
  secretary: {
    ru: 'Это действие выполняет секретарь рабочей группы (или исполняющий обязанности секретаря, п. 2.5).',
    en: 'Only the secretary of the working group may do this (or the acting secretary, п. 2.5).',
  },
};

function actsAsChair(group: Group, member: Member, context?: MeetingContext): boolean {
  if (member.role === 'chair') return true;
  if (member.role !== 'deputy' || !context) return false;
  // п. 2.4: the deputy acts for the chair while the chair is recorded absent for this meeting.
  const chair = group.members.find((m) => m.role === 'chair');
  return !!chair && context.absent.includes(chair.id);
}

function actsAsSecretary(member: Member, context?: MeetingContext): boolean {
  // п. 2.5 last paragraph: the acting secretary appointed by the presiding person.
  return member.role === 'secretary' || (!!context && context.meeting.actingSecretaryId === member.id);
}

/**
 * The caller's Cognito groups must include the role the action needs, AND the caller's e-mail must be
 * that group's member holding the role (for this meeting). Returns the acting member; 403 otherwise.
 */
export function authorize(caller: Caller, group: Group, need: Need, context?: MeetingContext): Member {
  const member = memberOfCaller(group, caller);
  const asChair = caller.groups.includes('chair') && !!member && actsAsChair(group, member, context);
  const asSecretary = caller.groups.includes('secretary') && !!member && actsAsSecretary(member, context);
  // п. 2.4, 2.5: acts at the meeting belong to the person presiding it, not to an absent chair.
  const asPresiding = asChair && !!context && presidingPerson(group.members, context.absent)?.member.id === member?.id;
  const ok = need === 'chair' ? asChair : need === 'presiding' ? asPresiding : need === 'secretary' ? asSecretary : asChair || asSecretary;
  if (!ok || !member) {
    if (!member) {
      throw forbidden('Вы не состоите в этой рабочей группе.', 'You are not a member of this working group.');
    }
    if (need === 'read') throw forbidden();
    throw forbidden(NEEDS[need].ru, NEEDS[need].en);
  }
  return member;
}

export function domainFailure(code: string, errors: DomainError[]): HttpError {
  return unprocessable(
    code,
    errors.map((e) => e.message.ru).join(' '),
    errors.map((e) => e.message.en).join(' '),
    errors.map((e) => ({ field: e.field, code: e.code, message: e.message })),
  );
}

export async function loadGroup(deps: Deps, groupId: string): Promise<GroupWithAddresses> {
  const group = await deps.store.getGroup(groupId).catch((error: unknown) => {
    if (!(error instanceof ConditionFailedError && error.reason === 'roster-incomplete')) throw error;
    throw conflict(
      'roster-incomplete',
      `Состав рабочей группы «${groupId}» сохранён не полностью; повторите последнее изменение состава.`,
      `The roster of working group "${groupId}" is not stored whole; repeat the last roster change.`,
    );
  });
  if (!group) throw notFound('group', `Рабочая группа «${groupId}» не найдена.`, `Working group "${groupId}" not found.`);
  return group;
}

interface Loaded {
  group: GroupWithAddresses;
  bundle: MeetingBundle;
  meeting: MeetingRecord;
  context: MeetingContext;
}

export async function loadMeeting(deps: Deps, meetingId: string): Promise<Loaded> {
  const bundle = await deps.store.loadMeetingBundle(meetingId);
  if (!bundle) throw notFound('meeting', `Заседание «${meetingId}» не найдено.`, `Meeting "${meetingId}" not found.`);
  const group = await loadGroup(deps, bundle.meeting.groupId);
  return { group, bundle, meeting: bundle.meeting, context: { meeting: bundle.meeting, absent: absentIds(bundle.ballotBox) } };
}

export async function audit(deps: Deps, meetingId: string, actor: Member, action: string, detail: Record<string, unknown> = {}): Promise<void> {
  await deps.store.appendAudit(meetingId, { actor: actor.id, action, detail });
}

const PHASE_NAMES: Record<MeetingPhase, { ru: string; en: string }> = {
  convened: { ru: 'созвано', en: 'convened' },
  'agenda-proposals': { ru: 'приём предложений в повестку', en: 'taking agenda proposals' },
  'agenda-approval': { ru: 'утверждение повестки', en: 'agenda approval' },
  notified: { ru: 'участники уведомлены', en: 'members notified' },
  'in-session': { ru: 'идёт заседание', en: 'in session' },
  'voting-closed': { ru: 'голосование закрыто', en: 'voting closed' },
  'protocol-signing': { ru: 'подписание протокола', en: 'protocol signing' },
  finalised: { ru: 'протокол оформлен', en: 'protocol finalised' },
  distributed: { ru: 'протокол разослан', en: 'protocol distributed' },
  cancelled: { ru: 'отменено', en: 'cancelled' },
  failed: { ru: 'сбой', en: 'failed' },
};

export function requirePhase(meeting: MeetingRecord, allowed: readonly MeetingPhase[], action: { ru: string; en: string }): void {
  if (allowed.includes(meeting.phase)) return;
  const phase = PHASE_NAMES[meeting.phase];
  throw conflict('wrong-phase', `${action.ru}: заседание в стадии «${phase.ru}».`, `${action.en}: the meeting is at the stage "${phase.en}".`);
}

const BEFORE_NOTICE: readonly MeetingPhase[] = ['convened', 'agenda-proposals', 'agenda-approval'];
export const MOVABLE: readonly MeetingPhase[] = [...BEFORE_NOTICE, 'notified'];
export const BEFORE_VOTING_CLOSED: readonly MeetingPhase[] = [...MOVABLE, 'in-session'];

export function requireAgendaOpen(meeting: MeetingRecord, action: { ru: string; en: string }): void {
  requirePhase(meeting, BEFORE_NOTICE, action);
  if (meeting.agendaApprovedAt) {
    throw conflict(
      'agenda-approved',
      `${action.ru}: повестка уже утверждена председателем (п. 2.3в).`,
      `${action.en}: the agenda has already been approved by the chair (п. 2.3в).`,
    );
  }
}

/** Maps the store's refusals (a concurrent change, a closed ballot box, …) to clear 4xx answers. */
export function storeRefusal(error: unknown): HttpError | undefined {
  if (!(error instanceof ConditionFailedError)) return undefined;
  switch (error.reason) {
    case 'not-found':
    case 'unknown-item':
      return notFound('record', 'Запись не найдена.', 'Record not found.');
    case 'finalised':
      return conflict('protocol-finalised', 'Протокол уже оформлен; изменения не принимаются.', 'The protocol is finalised; it can no longer change.');
    case 'voting-closed':
      return conflict('voting-closed', 'Голосование закрыто: список участников зафиксирован (п. 3.3).', 'Voting is closed: the participants list is frozen (п. 3.3).');
    case 'already-decided':
      return conflict('already-decided', 'По этому предложению решение уже принято.', 'This proposal has already been decided.');
    case 'already-approved':
      return conflict('agenda-approved', 'Повестка уже утверждена председателем (п. 2.3в).', 'The agenda has already been approved by the chair (п. 2.3в).');
    default:
      return conflict(
        'concurrent-change',
        'Заседание изменилось, пока выполнялся запрос; обновите данные и повторите.',
        'The meeting changed while the request ran; reload and try again.',
      );
  }
}
