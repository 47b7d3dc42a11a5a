import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { validateGroupSettings, defaultGroupSettings } from '../domain/deadlines.ts';
import { validateConveneRequest } from '../domain/convene.ts';
import type { DomainError } from '../domain/result.ts';
import { MAX_ROSTER_MEMBERS, normaliseEmail, presidingPerson, rosterSizeError, validateActingSecretary, validateRoster } from '../domain/roster.ts';
import type { Group, Instant, Lang, Member, MeetingDeadlines, MeetingPhase } from '../domain/types.ts';
import { badRequest, conflict, forbidden, HttpError, notFound, unauthorized, unprocessable } from '../http/errors.ts';
import { validate } from '../http/middleware.ts';
import { formatInstant } from '../lib/format.ts';
import * as mail from '../mail/messages.ts';
import { renderProtocolHtml } from '../protocol/html.ts';
import { renderProtocolPdf } from '../protocol/pdf.ts';
import { memberTerms } from '../store/ballots.ts';
import { ConditionFailedError } from '../store/errors.ts';
import {
  isTerminalPhase,
  type AgendaItemRecord,
  type AgendaMaterial,
  type GroupRecord,
  type GroupWithAddresses,
  type ItemNarrative,
  type MeetingBundle,
  type MeetingMove,
  type MeetingRecord,
  type MemberBallot,
  type ProposalRecord,
} from '../store/records.ts';
import { LINK_PURPOSES, type LinkPurpose } from '../links/tokens.ts';
import { isEmailVerified, parseGroupsClaim } from './auth-claims.ts';
import type { Deps } from './deps.ts';
import { issueLink } from './links.ts';
import { sfnOf } from './sfn-client.ts';
import { deadlineNotes, type DeadlineNote } from './deadline-notes.ts';
import { announceCancellation } from './steps/cancel.ts';
import { executionRunning, recordAgendaApproval, resumeAtFor, startMeetingExecution, stopExecution } from './steps/execution.ts';
import { sendInviteeNotice } from './steps/notice.ts';
import { draftProtocol, sendSigningLinks } from './steps/signatures.ts';
import { sendBallot } from './steps/voting.ts';
import { agendaView, meetingInfo, nowInstant, organizer, recipientOf } from './meeting-view.ts';
import { loadNarrative } from './protocol-documents.ts';
import { absentIds, buildProtocolModel, missingSigners, participantsOf, tallies } from './protocol-draft.ts';

/**
 * The chair's and the secretary's use cases (SPEC «Who»; issue 3 §4), as plain orchestration over
 * Deps: the HTTP handler (functions/handlers/admin.ts) only routes to them. Every use case checks who
 * may act before it changes anything, validates its input completely before the first write, and
 * appends an audit entry naming the acting member.
 */

// ================================================================ callers and roles

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

// ================================================================ shared helpers

function domainFailure(code: string, errors: DomainError[]): HttpError {
  return unprocessable(
    code,
    errors.map((e) => e.message.ru).join(' '),
    errors.map((e) => e.message.en).join(' '),
    errors.map((e) => ({ field: e.field, code: e.code, message: e.message })),
  );
}

async function loadGroup(deps: Deps, groupId: string): Promise<GroupWithAddresses> {
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

async function loadMeeting(deps: Deps, meetingId: string): Promise<Loaded> {
  const bundle = await deps.store.loadMeetingBundle(meetingId);
  if (!bundle) throw notFound('meeting', `Заседание «${meetingId}» не найдено.`, `Meeting "${meetingId}" not found.`);
  const group = await loadGroup(deps, bundle.meeting.groupId);
  return { group, bundle, meeting: bundle.meeting, context: { meeting: bundle.meeting, absent: absentIds(bundle.ballotBox) } };
}

async function audit(deps: Deps, meetingId: string, actor: Member, action: string, detail: Record<string, unknown> = {}): Promise<void> {
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

function requirePhase(meeting: MeetingRecord, allowed: readonly MeetingPhase[], action: { ru: string; en: string }): void {
  if (allowed.includes(meeting.phase)) return;
  const phase = PHASE_NAMES[meeting.phase];
  throw conflict('wrong-phase', `${action.ru}: заседание в стадии «${phase.ru}».`, `${action.en}: the meeting is at the stage "${phase.en}".`);
}

const BEFORE_NOTICE: readonly MeetingPhase[] = ['convened', 'agenda-proposals', 'agenda-approval'];
const MOVABLE: readonly MeetingPhase[] = [...BEFORE_NOTICE, 'notified'];
const BEFORE_VOTING_CLOSED: readonly MeetingPhase[] = [...MOVABLE, 'in-session'];

function requireAgendaOpen(meeting: MeetingRecord, action: { ru: string; en: string }): void {
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


// ================================================================ input schemas

const ID = z.string().trim().min(1).max(100);
const httpUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'an http(s) URL is expected');
const material = z.strictObject({ title: z.string().trim().min(1).max(500), url: httpUrl, note: z.string().max(200).optional() });
const speakersSchema = z.array(z.string().max(300)).max(20);
const lang = z.enum(['ru', 'en']);

const settingsSchema = z.strictObject({
  timeZone: z.string().max(100).optional(),
  proposalsCloseDaysBefore: z.number().int().optional(),
  approvalDaysBefore: z.number().int().optional(),
  noticeDaysBefore: z.number().int().optional(),
  voteDurationMinutes: z.number().int().optional(),
  signatureWorkingDays: z.number().int().optional(),
  reminderHoursBefore: z.number().int().optional(),
  sendRatePerSecond: z.number().int().optional(),
  attachPdfMaxBytes: z.number().int().optional(),
  voteReceipts: z.boolean().optional(),
});

const createGroupSchema = z.strictObject({
  bodyName: z.string().trim().min(1).max(500),
  name: z.string().trim().min(1).max(500),
  settings: settingsSchema.optional(),
  members: z
    .array(
      z.strictObject({
        id: ID,
        name: z.string().trim().min(1).max(300),
        email: z.string().trim().max(254),
        role: z.enum(['chair', 'deputy', 'secretary', 'member']),
        position: z.string().trim().max(300).optional(),
        lang: lang.optional(),
      }),
    )
    .min(1)
    .max(MAX_ROSTER_MEMBERS),
});

const agendaItemInput = z.strictObject({
  title: z.string().max(2000),
  speakers: speakersSchema.optional(),
  decision: z.string().max(5000).optional(),
  materials: z.array(material).max(50).optional(),
});

const conveneSchema = z.strictObject({
  title: z.string().max(2000),
  date: z.string().max(40),
  time: z.string().max(20),
  timeZone: z.string().max(100).optional(),
  place: z.string().max(1000).nullable().optional(),
  agenda: z.array(agendaItemInput).max(100).optional(),
  invitees: z
    .array(
      z.strictObject({
        name: z.string().max(300),
        email: z.string().max(254),
        position: z.string().max(300),
        organisation: z.string().max(300).optional(),
        lang: lang.optional(),
      }),
    )
    .max(100)
    .optional(),
});

const agendaSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        id: ID.optional(),
        title: z.string().trim().min(1).max(500),
        decision: z.string().max(5000).optional(),
        description: z.string().max(5000).optional(),
        speakers: speakersSchema.optional(),
        materials: z.array(material).max(50).optional(),
      }),
    )
    .max(100),
});

const speakersBody = z.strictObject({ speakers: speakersSchema });
const decisionBody = z.strictObject({ decision: z.enum(['accepted', 'declined']) });
const approveBody = z.strictObject({});
const attendanceBody = z.strictObject({ memberId: ID, status: z.enum(['present', 'absent']) });
const actingSecretaryBody = z.strictObject({ memberId: ID });
const emptyBody = z.strictObject({});
const revokeLinksBody = z.strictObject({
  memberId: ID,
  purpose: z.enum(LINK_PURPOSES as unknown as [LinkPurpose, ...LinkPurpose[]]).optional(),
  /** Send the member a new link of that purpose (needs `purpose`). */
  reissue: z.boolean().optional(),
});
const narrativeBody = z.strictObject({
  items: z.record(ID, z.strictObject({ heard: z.string().max(20_000), spoke: z.string().max(20_000) })),
});
const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
const moveBody = z.strictObject({
  date: z.string().max(40),
  time: z.string().max(20),
  place: z.string().max(1000).nullable().optional(),
});

// ================================================================ views

export interface MeetingSummary {
  id: string;
  groupId: string;
  number: number | null;
  title: string;
  phase: MeetingPhase;
  revision: number;
  date: string;
  time: string;
  timeZone: string;
  place?: string;
  startsAt: Instant;
  deadlines: MeetingDeadlines;
  /** Every deadline as people read it, with its zone (SPEC «Language and time»). */
  deadlinesShown: Partial<Record<keyof MeetingDeadlines, string>>;
  /** Working-day deadlines from a provisional calendar year, not yet computed, or not computable. */
  deadlineNotes: DeadlineNote[];
  presidingId: string;
  secretaryId: string;
  actingSecretaryId?: string;
  agendaApprovedAt?: Instant;
  agendaApprovedBy?: string;
  cancelledReason?: string;
  signedAt?: Instant;
  distributedAt?: Instant;
  deadlinesNotComputable?: MeetingRecord['deadlinesNotComputable'];
  executionArn?: string;
}

export function meetingSummary(deps: Pick<Deps, 'calendar'>, meeting: MeetingRecord, lang: Lang = 'ru'): MeetingSummary {
  const shown = Object.fromEntries(
    Object.entries(meeting.deadlines).map(([key, instant]) => [key, formatInstant(instant, meeting.timeZone, lang)]),
  ) as Partial<Record<keyof MeetingDeadlines, string>>;
  const optional = <K extends keyof MeetingRecord>(key: K) => (meeting[key] !== undefined && meeting[key] !== null ? { [key]: meeting[key] } : {});
  return {
    id: meeting.id,
    groupId: meeting.groupId,
    number: meeting.number,
    title: meeting.title,
    phase: meeting.phase,
    revision: meeting.revision,
    date: meeting.date,
    time: meeting.time,
    timeZone: meeting.timeZone,
    ...optional('place'),
    startsAt: meeting.startsAt,
    deadlines: meeting.deadlines,
    deadlinesShown: shown,
    deadlineNotes: deadlineNotes(meeting, deps.calendar, lang),
    presidingId: meeting.presidingId,
    secretaryId: meeting.secretaryId,
    ...optional('actingSecretaryId'),
    ...optional('agendaApprovedAt'),
    ...optional('agendaApprovedBy'),
    ...optional('cancelledReason'),
    ...optional('signedAt'),
    ...optional('distributedAt'),
    ...optional('deadlinesNotComputable'),
    ...optional('executionArn'),
  };
}

// ================================================================ groups

/** POST /admin/groups: a new group and its roster (п. 2.2); the caller must be its chair or secretary. */
function groupFromInput(id: string, input: z.infer<typeof createGroupSchema>): Group {
  const settings = { ...defaultGroupSettings, ...stripUndefined(input.settings ?? {}) };
  const members: Member[] = input.members.map((m) => ({
    id: m.id,
    name: m.name,
    email: m.email,
    role: m.role,
    lang: m.lang ?? 'ru',
    ...(m.position ? { position: m.position } : {}),
  }));
  const errors = [...validateRoster(members), ...validateGroupSettings(settings)];
  if (errors.length > 0) throw domainFailure('invalid-group', errors);
  return { id, bodyName: input.bodyName, name: input.name, settings, members };
}

/** A roster over the limit is refused first, with the limit in the message (zod would only say "too big"). */
function checkRosterSize(body: unknown): void {
  const members = typeof body === 'object' && body !== null ? (body as { members?: unknown }).members : undefined;
  const tooLarge = Array.isArray(members) ? rosterSizeError(members.length) : null;
  if (tooLarge) throw domainFailure('roster-too-large', [tooLarge]);
}

/** Stores the group; a roster written concurrently by another request is a 409 (GroupRepository.putGroup). */
async function saveGroup(deps: Deps, group: Group): Promise<GroupRecord> {
  try {
    return await deps.store.putGroup(group);
  } catch (error) {
    if (!(error instanceof ConditionFailedError && error.reason === 'roster-conflict')) throw error;
    throw conflict(
      'roster-conflict',
      'Состав рабочей группы в это же время изменяет другой запрос; обновите данные и повторите.',
      'Another request is changing the roster at the same time; reload and try again.',
    );
  }
}

export async function createGroup(deps: Deps, caller: Caller, body: unknown): Promise<{ group: GroupWithAddresses }> {
  if (!caller.groups.includes('chair') && !caller.groups.includes('secretary')) throw forbidden();
  checkRosterSize(body);
  const input = validate(createGroupSchema, body);
  const group = groupFromInput(randomUUID(), input);
  authorize(caller, group, 'read');
  // A new group has no address statuses yet: no need to read it back.
  return { group: { ...(await saveGroup(deps, group)), addresses: {} } };
}

/**
 * PUT /admin/groups/{groupId}: the secretary or the chair replaces the roster and settings (п. 2.2).
 * Refused while a meeting of the group is in progress: its quorum base and signers must not change
 * under it. The caller must stay in the new roster with their role.
 */
export async function updateGroup(deps: Deps, caller: Caller, groupId: string, body: unknown): Promise<{ group: GroupWithAddresses }> {
  const current = await loadGroup(deps, groupId);
  authorize(caller, current, 'read');
  checkRosterSize(body);
  const input = validate(createGroupSchema, body);
  const group = groupFromInput(groupId, input);
  authorize(caller, group, 'read');
  const running = (await deps.store.listMeetingsByGroup(groupId)).filter((m) => !isTerminalPhase(m.phase));
  if (running.length > 0) {
    throw conflict(
      'meeting-in-progress',
      `Состав и настройки нельзя менять, пока идёт заседание: ${running.map((m) => `«${m.title}»`).join(', ')}.`,
      `The roster and settings cannot change while a meeting is in progress: ${running.map((m) => `"${m.title}"`).join(', ')}.`,
    );
  }
  return { group: { ...(await saveGroup(deps, group)), addresses: current.addresses } };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** GET /admin/groups/{groupId}: roster, settings, delivery status of addresses, meetings. */
export async function getGroup(deps: Deps, caller: Caller, groupId: string) {
  const group = await loadGroup(deps, groupId);
  const member = authorize(caller, group, 'read');
  const meetings = await deps.store.listMeetingsByGroup(groupId);
  return { group, meetings: meetings.map((m) => meetingSummary(deps, m, member.lang)) };
}

// ================================================================ convene (п. 2.3а)

/** Speakers: a member id, or a free name (п. 2.3г); an id-like entry naming no member is refused. */
const ID_LIKE = /^[A-Za-z0-9_.:-]+$/;

function checkSpeakers(group: Group, speakers: readonly string[], field: string, errors: DomainError[]): string[] {
  const ids = new Set(group.members.map((m) => m.id));
  const out: string[] = [];
  speakers.forEach((raw, i) => {
    const speaker = raw.trim();
    if (!speaker) {
      errors.push({ field: `${field}[${i}]`, code: 'empty', message: { ru: 'Пустое имя докладчика.', en: 'An empty speaker.' } });
    } else if (ids.has(speaker) || !ID_LIKE.test(speaker)) {
      out.push(speaker);
    } else {
      errors.push({
        field: `${field}[${i}]`,
        code: 'unknown-speaker',
        message: {
          ru: `Докладчик «${speaker}» не найден среди членов рабочей группы (для приглашённого докладчика укажите имя и фамилию).`,
          en: `Speaker "${speaker}" is not a member id (for a speaker from outside, give a full name).`,
        },
      });
    }
  });
  return out;
}

export interface ConveneResult {
  meeting: MeetingSummary;
  agenda: AgendaItemRecord[];
  invitees: { id: string; name: string; email: string; position: string }[];
  /** True when an earlier request with the same Idempotency-Key had already convened it. */
  replayed: boolean;
}

/** POST /admin/groups/{groupId}/meetings: the chair convenes a meeting; its execution starts. */
/**
 * A client that retries a convene (timeout, double click) sends the same `Idempotency-Key` header: the
 * meeting id is derived from it, so the retry finds the meeting instead of convening a second one, and
 * finishes what a first attempt that crashed half-way left undone.
 */
export function idempotentId(groupId: string, callerId: string, key: string, suffix = ''): string {
  const hex = createHash('sha256').update(`kvorum-convene:${groupId}:${callerId}:${key}${suffix}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,128}$/;

export async function conveneMeeting(deps: Deps, caller: Caller, groupId: string, body: unknown, idempotencyKey?: string): Promise<ConveneResult> {
  const group = await loadGroup(deps, groupId);
  const chair = authorize(caller, group, 'chair');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw badRequest('bad-idempotency-key', 'Заголовок Idempotency-Key: 8–128 символов A–Z, a–z, 0–9, «-», «_».', 'Idempotency-Key header: 8–128 characters A–Z, a–z, 0–9, "-", "_".');
  }
  const input = validate(conveneSchema, body);
  const id = (suffix: string) => (idempotencyKey ? idempotentId(groupId, chair.id, idempotencyKey, suffix) : randomUUID());
  const meetingId = id('');
  if (idempotencyKey) {
    const existing = await deps.store.getMeeting(meetingId);
    if (existing?.executionArn) {
      return {
        meeting: meetingSummary(deps, existing, chair.lang),
        agenda: await deps.store.listAgenda(meetingId),
        invitees: (await deps.store.listInvitees(meetingId)).map((i) => ({ id: i.id, name: i.name, email: i.email, position: i.position })),
        replayed: true,
      };
    }
  }
  const checked = validateConveneRequest({ ...input, groupId }, group, deps.clock, deps.calendar);
  if (!checked.ok) throw domainFailure('invalid-convene-request', checked.errors);
  const request = checked.value;
  const secretary = group.members.find((m) => m.role === 'secretary');
  if (!secretary) throw new Error('validated roster without a secretary');

  let created: MeetingRecord;
  let replayed = false;
  try {
    created = await deps.store.createMeeting({
      id: meetingId,
      groupId,
      title: request.title,
      date: request.date,
      time: request.time,
      timeZone: request.timeZone,
      ...(request.place ? { place: request.place } : {}),
      startsAt: request.startsAt,
      deadlines: request.deadlines,
      phase: 'convened',
      presidingId: chair.id,
      secretaryId: secretary.id,
    });
  } catch (error) {
    // A first attempt with this key created the meeting and stopped before starting its execution.
    const existing = idempotencyKey && error instanceof ConditionFailedError && error.reason === 'exists' ? await deps.store.getMeeting(meetingId) : null;
    if (!existing) throw error;
    // Another request with this key (a concurrent one, or one that crashed) made it: this is a replay,
    // which finishes whatever that one has not done yet; every write below is idempotent.
    replayed = true;
    created = await deps.store.ensureMeetingNumber(meetingId);
  }
  const agenda: AgendaItemRecord[] = [];
  for (const [index, item] of request.agenda.entries()) {
    const extra = input.agenda?.[index];
    agenda.push(
      await deps.store.putAgendaItem(meetingId, {
        id: id(`:item:${index}`),
        order: index + 1,
        title: item.title,
        speakers: item.speakers.map((s) => (s.kind === 'member' ? s.memberId : s.name)),
        approved: false,
        ...(extra?.decision?.trim() ? { decision: extra.decision.trim() } : {}),
        ...(extra?.materials?.length ? { materials: extra.materials } : {}),
      }),
    );
  }
  const invitees = [];
  for (const [index, invitee] of request.invitees.entries()) invitees.push(await deps.store.putInvitee(meetingId, { id: id(`:invitee:${index}`), ...invitee }));

  const executionArn = await startMeetingExecution(deps, created, 'start');
  const meeting = await deps.store.updateMeeting(meetingId, { revision: created.revision }, { executionArn });
  await deps.store.appendAuditOnce(meetingId, 'convened', { actor: chair.id, action: 'convened', detail: {
    date: request.date,
    time: request.time,
    timeZone: request.timeZone,
    agendaItems: agenda.length,
    invitees: invitees.length,
    executionArn,
  } });
  return {
    meeting: meetingSummary(deps, meeting, chair.lang),
    agenda,
    invitees: invitees.map((i) => ({ id: i.id, name: i.name, email: i.email, position: i.position })),
    replayed,
  };
}

// ================================================================ reading a meeting

/** GET /admin/meetings/{meetingId}: everything the chair and the secretary need to see. */
export async function getMeeting(deps: Deps, caller: Caller, meetingId: string) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const member = authorize(caller, group, 'read', context);
  const closed = bundle.ballotBox.closedAt !== undefined;
  const result = closed ? tallies(group, bundle) : null;
  const protocol = bundle.protocol;
  return {
    meeting: meetingSummary(deps, meeting, member.lang),
    agenda: bundle.agenda,
    proposals: bundle.proposals,
    invitees: bundle.invitees,
    attendance: bundle.attendance,
    voting: {
      openedAt: bundle.ballotBox.openedAt ?? null,
      closedAt: bundle.ballotBox.closedAt ?? null,
      voters: Object.keys(bundle.ballotBox.votes),
      /** Every accepted vote change (п. 3.2), kept on the member items: the record of who voted how and when. */
      history: bundle.voteHistory,
    },
    participants: closed ? participantsOf(group.members, bundle.ballotBox) : null,
    tally: result ? { quorum: result.quorum, participants: result.participants, items: result.items } : null,
    opinions: bundle.opinions,
    dissents: bundle.dissents,
    protocol: protocol
      ? {
          version: protocol.version,
          hash: protocol.hash,
          signatures: protocol.signatures,
          signingDeadline: protocol.signingDeadline,
          finalisedAt: protocol.finalisedAt ?? null,
          missingSigners: missingSigners(group, bundle).map((m) => m.id),
          narrative: await loadNarrative(deps, protocol),
        }
      : null,
    audit: await deps.store.listAudit(meetingId),
  };
}

// ================================================================ agenda (п. 2.3в, 2.3г, 2.5в)

/** PUT /admin/meetings/{id}/agenda: the secretary forms the agenda, until the chair approves it. */
export async function setAgenda(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const secretary = authorize(caller, group, 'secretary', context);
  const input = validate(agendaSchema, body);
  requireAgendaOpen(meeting, { ru: 'Повестку нельзя изменить', en: 'The agenda cannot be changed' });

  const existing = new Map(bundle.agenda.map((i) => [i.id, i] as const));
  const errors: DomainError[] = [];
  const seen = new Set<string>();
  const planned = input.items.map((item, index) => {
    const field = `items[${index}]`;
    if (item.id !== undefined) {
      if (!existing.has(item.id)) {
        errors.push({ field: `${field}.id`, code: 'unknown-item', message: { ru: `В повестке нет вопроса «${item.id}».`, en: `The agenda has no item "${item.id}".` } });
      } else if (seen.has(item.id)) {
        errors.push({ field: `${field}.id`, code: 'duplicate-item', message: { ru: `Вопрос «${item.id}» указан дважды.`, en: `Item "${item.id}" appears twice.` } });
      }
      seen.add(item.id);
    }
    const before = item.id ? existing.get(item.id) : undefined;
    const speakers = item.speakers ? checkSpeakers(group, item.speakers, `${field}.speakers`, errors) : (before?.speakers ?? []);
    const materials = item.materials ?? before?.materials;
    const decision = item.decision !== undefined ? item.decision.trim() : before?.decision;
    // Absent in the PUT: the text stays (a proposer's reasons are not lost by re-ordering the agenda).
    const description = item.description !== undefined ? item.description.trim() : before?.description;
    const record: Omit<AgendaItemRecord, 'updatedAt'> = {
      id: item.id ?? randomUUID(),
      order: index + 1,
      title: item.title,
      speakers,
      approved: false,
      ...(decision ? { decision } : {}),
      ...(description ? { description } : {}),
      ...(materials && materials.length > 0 ? { materials: materials as AgendaMaterial[] } : {}),
      ...(before?.proposalId ? { proposalId: before.proposalId } : {}),
    };
    return record;
  });
  if (errors.length > 0) throw domainFailure('invalid-agenda', errors);

  for (const item of planned) await deps.store.putAgendaItem(meetingId, item);
  const kept = new Set(planned.map((i) => i.id));
  const removed = bundle.agenda.filter((i) => !kept.has(i.id));
  for (const item of removed) await deps.store.deleteAgendaItem(meetingId, item.id);
  await audit(deps, meetingId, secretary, 'agenda-formed', { items: planned.map((i) => ({ id: i.id, title: i.title })), removed: removed.map((i) => i.id) });
  return { agenda: await deps.store.listAgenda(meetingId) };
}

/** POST /admin/meetings/{id}/agenda/{itemId}/speakers: the chair designates the speakers (п. 2.3г). */
export async function designateSpeakers(deps: Deps, caller: Caller, meetingId: string, itemId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const chair = authorize(caller, group, 'chair', context);
  const input = validate(speakersBody, body);
  const item = bundle.agenda.find((i) => i.id === itemId);
  if (!item) throw notFound('agenda-item', `В повестке нет вопроса «${itemId}».`, `The agenda has no item "${itemId}".`);
  requireAgendaOpen(meeting, { ru: 'Докладчиков нельзя изменить', en: 'The speakers cannot be changed' });
  const errors: DomainError[] = [];
  const speakers = checkSpeakers(group, input.speakers, 'speakers', errors);
  if (errors.length > 0) throw domainFailure('invalid-speakers', errors);
  const { updatedAt: _ignored, ...rest } = item;
  const saved = await deps.store.putAgendaItem(meetingId, { ...rest, speakers });
  await audit(deps, meetingId, chair, 'speakers-designated', { itemId, speakers });
  return { item: saved };
}

/**
 * The agenda item an accepted proposal becomes: the proposer's title, reasons, draft decision and
 * speaker (a member when the name or id is one of the roster's, else the name as given). A proposal
 * stored before proposals had parts keeps its first paragraph as the title and the rest as the text.
 */
export function itemFromProposal(group: Pick<GroupRecord, 'members'>, proposal: Pick<ProposalRecord, 'text' | 'item'>): Pick<AgendaItemRecord, 'title' | 'speakers' | 'decision' | 'description'> {
  if (!proposal.item) {
    const [first, ...rest] = proposal.text.trim().split(/\n\s*\n/);
    const description = rest.join('\n\n').trim();
    return { title: (first ?? proposal.text).trim().slice(0, 500), speakers: [], ...(description ? { description } : {}) };
  }
  const { title, description, decision, speaker } = proposal.item;
  const wanted = speaker?.trim().toLowerCase();
  const member = wanted ? group.members.find((m) => m.id.toLowerCase() === wanted || m.name.trim().toLowerCase() === wanted) : undefined;
  return {
    title,
    speakers: speaker ? [member ? member.id : speaker] : [],
    ...(decision ? { decision } : {}),
    ...(description ? { description } : {}),
  };
}

/**
 * POST /admin/meetings/{id}/proposals/{proposalId}/decision: an agenda-item proposal is the secretary's
 * (п. 2.5в, 2.5д) and becomes an agenda item; an invitation is the chair's (п. 2.3б) and makes an invitee.
 */
export async function decideProposal(deps: Deps, caller: Caller, meetingId: string, proposalId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const proposal = bundle.proposals.find((p) => p.id === proposalId);
  if (!proposal) {
    // Still an authorisation check first: a stranger learns nothing about which proposals exist.
    authorize(caller, group, 'read', context);
    throw notFound('proposal', `Предложение «${proposalId}» не найдено.`, `Proposal "${proposalId}" not found.`);
  }
  const actor = authorize(caller, group, proposal.kind === 'invitation' ? 'chair' : 'secretary', context);
  const { decision } = validate(decisionBody, body);
  if (proposal.status !== 'pending') {
    throw conflict('already-decided', 'По этому предложению решение уже принято.', 'This proposal has already been decided.');
  }
  if (proposal.kind === 'agenda-item') {
    requireAgendaOpen(meeting, { ru: 'Предложение в повестку нельзя рассмотреть', en: 'An agenda proposal cannot be decided' });
  } else {
    requirePhase(meeting, MOVABLE, { ru: 'Приглашение нельзя рассмотреть', en: 'An invitation cannot be decided' });
    if (decision === 'accepted' && !proposal.invitee) {
      throw unprocessable('invitation-without-invitee', 'В предложении не указано, кого пригласить.', 'The proposal does not say whom to invite.');
    }
  }
  const decided = await deps.store.decideProposal(meetingId, proposalId, decision, actor.id);
  let created: unknown = null;
  if (decision === 'accepted' && proposal.kind === 'agenda-item') {
    const order = Math.max(0, ...bundle.agenda.map((i) => i.order)) + 1;
    created = await deps.store.putAgendaItem(meetingId, { id: randomUUID(), order, ...itemFromProposal(group, proposal), approved: false, proposalId });
  }
  if (decision === 'accepted' && proposal.kind === 'invitation' && proposal.invitee) {
    const invitee = await deps.store.putInvitee(meetingId, { id: randomUUID(), ...proposal.invitee });
    created = invitee;
    // Invited after the notice went out (п. 2.3б, 2.5г): the new invitee gets it now.
    if (meeting.phase === 'notified') await sendInviteeNotice(deps, group, meeting, bundle, invitee);
  }
  await audit(deps, meetingId, actor, `proposal-${decision}`, { proposalId, kind: proposal.kind });
  return { proposal: decided, created };
}

/** POST /admin/meetings/{id}/agenda/approve: the chair approves the agenda (п. 2.3в); the workflow moves on at once. */
export async function approveAgenda(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const chair = authorize(caller, group, 'chair', context);
  validate(approveBody, body);
  requireAgendaOpen(meeting, { ru: 'Повестку нельзя утвердить', en: 'The agenda cannot be approved' });
  if (bundle.agenda.length === 0) {
    throw unprocessable('empty-agenda', 'В повестке нет ни одного вопроса.', 'The agenda has no items.');
  }
  const approved = await recordAgendaApproval(deps, meeting, bundle.agenda.map((i) => i.id), chair.id);
  return { meeting: meetingSummary(deps, approved.meeting, chair.lang), workflowResumed: approved.workflowResumed };
}

// ================================================================ the meeting itself

/** POST /admin/meetings/{id}/attendance: the secretary marks a member present or absent (п. 3.3). */
export async function markAttendance(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const secretary = authorize(caller, group, 'secretary', context);
  const input = validate(attendanceBody, body);
  const member = group.members.find((m) => m.id === input.memberId);
  if (!member) {
    throw unprocessable('not-a-member', `«${input.memberId}» не является членом рабочей группы.`, `"${input.memberId}" is not a member of the working group.`);
  }
  requirePhase(meeting, BEFORE_VOTING_CLOSED, { ru: 'Присутствие нельзя отметить', en: 'Attendance cannot be recorded' });
  if (input.status === 'present' && meeting.phase !== 'in-session') {
    throw conflict('meeting-not-started', 'Отметить присутствующим можно только во время заседания.', 'A member can be marked present only while the meeting is in session.');
  }
  const terms = memberTerms(meeting);
  let marked: MemberBallot;
  try {
    marked = await deps.store.ballots.setAttendance(meetingId, member.id, { status: input.status, by: secretary.id }, terms);
  } catch (error) {
    if (error instanceof ConditionFailedError && error.reason === 'voting-closed') {
      throw conflict('voting-closed', 'Голосование закрыто: список участников зафиксирован (п. 3.3).', 'Voting has closed: the participants list is frozen (cl. 3.3).');
    }
    if (error instanceof ConditionFailedError && error.reason === 'stale') {
      throw conflict('stale', 'Заседание изменилось; обновите страницу и повторите.', 'The meeting has changed; reload and try again.');
    }
    throw error;
  }
  let ballotSent = false;
  // A member who arrives while voting is open becomes a voter and gets a ballot (п. 2.6б).
  if (input.status === 'present' && bundle.ballotBox.openedAt && !bundle.ballotBox.closedAt) {
    await deps.store.ballots.addVoters(meetingId, [member.id], terms);
    const items = bundle.agenda.filter((i) => i.approved).map((i) => i.title);
    await sendBallot(deps, group, meeting, member, items);
    ballotSent = true;
  }
  await audit(deps, meetingId, secretary, 'attendance-marked', { memberId: member.id, status: input.status, ballotSent });
  return { memberId: member.id, attendance: marked.attendance, ballotSent };
}

/**
 * POST /admin/meetings/{id}/links/revoke: the secretary revokes a member's personal links of this
 * meeting (all, or of one purpose), e.g. when a link was forwarded or a mailbox compromised (SPEC
 * «Links in e-mails»). A revoked link shows the «revoked» page; the secretary can still record that
 * member's attendance here.
 */
export async function revokeLinks(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, meeting, context } = await loadMeeting(deps, meetingId);
  const secretary = authorize(caller, group, 'secretary', context);
  const input = validate(revokeLinksBody, body);
  const member = group.members.find((m) => m.id === input.memberId);
  if (!member) {
    throw unprocessable('not-a-member', `«${input.memberId}» не является членом рабочей группы.`, `"${input.memberId}" is not a member of the working group.`);
  }
  if (input.reissue && !input.purpose) {
    throw unprocessable('reissue-needs-purpose', 'Чтобы выдать новую ссылку, укажите её назначение (purpose).', 'To issue a new link, say its purpose.');
  }
  let revoked = 0;
  let lastExpiry: Instant | undefined;
  for (const link of await deps.store.listLinksForMeeting(meetingId, input.memberId)) {
    if (input.purpose && link.purpose !== input.purpose) continue;
    if (link.revision === meeting.revision && (!lastExpiry || link.expiresAt > lastExpiry)) lastExpiry = link.expiresAt;
    if (link.revokedAt) continue;
    if (await deps.store.revokeLink(link.id)) revoked++;
  }
  let reissued = false;
  if (input.reissue && input.purpose) {
    if (!lastExpiry || Date.parse(lastExpiry) <= deps.clock.now().getTime()) {
      throw conflict('nothing-to-reissue', 'Действующей ссылки этого назначения у участника не было или её срок истёк.', 'The member had no link of that purpose, or its time is over.');
    }
    const url = await issueLink(deps, { meetingId, memberId: member.id, purpose: input.purpose, expiresAt: lastExpiry, revision: meeting.revision });
    const message = mail.linkReissued({ recipient: recipientOf(member), meeting: meetingInfo(group, meeting), purpose: input.purpose, url, expiresAt: lastExpiry });
    const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
    await deps.mailer.send({ meetingId, purpose: `link-reissued:${input.purpose}:${key}`, recipient: member.id, revision: meeting.revision }, message, member.email);
    reissued = true;
  }
  await audit(deps, meetingId, secretary, 'links-revoked', { memberId: input.memberId, purpose: input.purpose ?? 'all', revoked, reissued });
  return { revoked, reissued };
}

/**
 * POST /admin/meetings/{id}/resume (issue 10 §3): the secretary — or the chair — resumes a meeting whose
 * execution is not running: after a step failed for good (the secretary was told), and also when the
 * failure could not even be recorded (the table was down) or the execution was stopped. What decides is
 * the execution itself, not only the recorded phase. A new execution starts at the meeting's phase; its
 * name derives from the one it replaces, so two resumes at once start one. Steps already done send
 * nothing twice.
 */
export async function resumeMeeting(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, meeting, context } = await loadMeeting(deps, meetingId);
  const actor = authorize(caller, group, 'read', context); // the secretary or the chair
  validate(emptyBody, body ?? {});
  const phase = meeting.phase === 'failed' ? meeting.failedPhase : meeting.phase;
  const resumeAt = phase ? resumeAtFor(phase) : null;
  if (!resumeAt || !phase) {
    throw conflict('not-resumable', 'Заседание завершено или отменено: возобновлять нечего.', 'The meeting is over or cancelled: there is nothing to resume.');
  }
  if (await executionRunning(deps, meeting.executionArn)) {
    throw conflict('running', 'Заседание не остановлено: его шаги выполняются, возобновлять нечего.', 'The meeting is not stopped: its steps are running, there is nothing to resume.');
  }
  // resumedAt before the execution starts: its steps retry for an hour even past their deadlines.
  const resumed = await deps.store.updateMeeting(
    meetingId,
    { phase: meeting.phase, revision: meeting.revision },
    { ...(meeting.phase === 'failed' ? { phase, failedPhase: null } : {}), resumedAt: nowInstant(deps) },
  );
  const executionArn = await startMeetingExecution(deps, resumed, resumeAt, meeting.executionArn ?? 'none');
  const updated = await deps.store.updateMeeting(meetingId, { revision: meeting.revision }, { executionArn });
  await audit(deps, meetingId, actor, 'resumed', { phase: resumed.phase, resumeAt });
  return { meeting: meetingSummary(deps, updated, actor.lang) };
}

/** POST /admin/meetings/{id}/acting-secretary: the presiding person appoints an acting secretary (п. 2.5). */
export async function appointActingSecretary(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, meeting, context } = await loadMeeting(deps, meetingId);
  const presiding = authorize(caller, group, 'presiding', context);
  const input = validate(actingSecretaryBody, body);
  requirePhase(meeting, BEFORE_VOTING_CLOSED.concat(['voting-closed', 'protocol-signing']), {
    ru: 'Исполняющего обязанности секретаря нельзя назначить',
    en: 'An acting secretary cannot be appointed',
  });
  const errors = validateActingSecretary(group.members, context.absent, input.memberId, 'memberId');
  if (errors.length > 0) throw domainFailure('invalid-acting-secretary', errors);
  const updated = await deps.store.updateMeeting(meetingId, { revision: meeting.revision }, { actingSecretaryId: input.memberId });
  await audit(deps, meetingId, presiding, 'acting-secretary-appointed', { memberId: input.memberId });
  return { meeting: meetingSummary(deps, updated, presiding.lang) };
}

/**
 * PUT /admin/meetings/{id}/protocol/narrative: the secretary edits СЛУШАЛИ / ВЫСТУПИЛИ (п. 2.5е). A new
 * version voids every signature (the store does it) and the signers get links to the new version.
 */
export async function editNarrative(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const secretary = authorize(caller, group, 'secretary', context);
  const input = validate(narrativeBody, body);
  const protocol = bundle.protocol;
  if (!protocol) {
    throw conflict('no-protocol-yet', 'Проект протокола ещё не составлен (он готовится после закрытия голосования).', 'The protocol has not been drafted yet (it is drafted after voting closes).');
  }
  if (protocol.finalisedAt || meeting.phase === 'finalised' || meeting.phase === 'distributed') {
    throw conflict('protocol-finalised', 'Протокол уже оформлен; изменения не принимаются.', 'The protocol is finalised; it can no longer change.');
  }
  const approved = new Set(bundle.agenda.filter((i) => i.approved).map((i) => i.id));
  const unknown = Object.keys(input.items).filter((id) => !approved.has(id));
  if (unknown.length > 0) {
    throw unprocessable(
      'unknown-item',
      `В утверждённой повестке нет вопросов: ${unknown.join(', ')}.`,
      `The approved agenda has no items: ${unknown.join(', ')}.`,
      unknown.map((id) => ({ field: `items.${id}`, code: 'unknown-item' })),
    );
  }
  const narrative: Record<string, ItemNarrative> = { ...(await loadNarrative(deps, protocol)) };
  for (const [id, text] of Object.entries(input.items)) narrative[id] = { heard: text.heard.trim(), spoke: text.spoke.trim() };
  const saved = await draftProtocol(deps, group, meetingId, secretary.id, narrative);
  const changed = saved.version !== protocol.version;
  const linksSent = changed ? await sendSigningLinks(deps, group, meeting) : 0;
  await audit(deps, meetingId, secretary, 'protocol-edited', { version: saved.version, hash: saved.hash, changed, signaturesVoided: changed ? Object.keys(protocol.signatures) : [] });
  return { protocol: { version: saved.version, hash: saved.hash, signatures: saved.signatures }, changed, linksSent };
}

/** POST /admin/meetings/{id}/cancel: the chair cancels; the execution stops, everyone is told, links die. */
export async function cancelMeeting(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, meeting, context } = await loadMeeting(deps, meetingId);
  const chair = authorize(caller, group, 'chair', context);
  const { reason } = validate(cancelBody, body);
  requirePhase(meeting, MOVABLE, { ru: 'Заседание нельзя отменить', en: 'The meeting cannot be cancelled' });
  // The conditional write first: a workflow step running now sees 'cancelled' and stops by itself.
  const cancelled = await deps.store.updateMeeting(meetingId, { revision: meeting.revision }, { phase: 'cancelled', cancelledReason: reason });
  await stopExecution(deps, meeting.executionArn, 'MeetingCancelled', reason);
  await announceCancellation(deps, group, cancelled, reason);
  await audit(deps, meetingId, chair, 'cancelled', { reason });
  return { meeting: meetingSummary(deps, cancelled, chair.lang) };
}

/** Where the new execution of a moved meeting resumes. */
export function resumeAtAfterMove(meeting: Pick<MeetingRecord, 'phase' | 'agendaApprovedAt'>): 'start' | 'agenda-approval' | 'notice' {
  switch (meeting.phase) {
    case 'convened':
    case 'agenda-proposals':
      return 'start';
    case 'agenda-approval':
      return meeting.agendaApprovedAt ? 'notice' : 'agenda-approval';
    case 'notified':
      return 'notice';
    default:
      throw new Error(`a meeting in phase ${meeting.phase} cannot move`);
  }
}

/**
 * The move's ONE conditional write, decided on the meeting read right before it and holding only while
 * the phase and the approval are still those read (store.moveMeeting `seen`): a notice that went out,
 * or an approval that came, meanwhile makes it read again, so whoever got the old notice is told of
 * the move and the new execution resumes where the meeting is. A move by someone else is refused.
 */
async function moveFromFreshState(deps: Deps, revision: number, move: MeetingMove, meetingId: string): Promise<{ before: MeetingRecord; moved: MeetingRecord }> {
  for (let attempt = 1; ; attempt++) {
    const before = await deps.store.getMeeting(meetingId);
    if (!before) throw notFound('meeting', 'Заседание не найдено.', 'Meeting not found.');
    if (before.revision !== revision) throw storeRefusal(new ConditionFailedError('moveMeeting', 'stale'))!;
    requirePhase(before, MOVABLE, { ru: 'Заседание нельзя перенести', en: 'The meeting cannot be moved' });
    try {
      return { before, moved: await deps.store.moveMeeting(meetingId, revision, move, { seen: before }) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError && error.reason === 'stale') || attempt >= MOVE_ATTEMPTS) throw error;
    }
  }
}

/** Reads of a move that meets concurrent changes of the meeting's phase or approval. */
const MOVE_ATTEMPTS = 5;

/**
 * POST /admin/meetings/{id}/move: new date and time, deadlines recomputed; revision + 1, a new
 * execution resumes where the meeting was; links of the old revision die; notified people are told.
 */
export async function moveMeeting(deps: Deps, caller: Caller, meetingId: string, body: unknown) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const chair = authorize(caller, group, 'chair', context);
  const input = validate(moveBody, body);
  requirePhase(meeting, MOVABLE, { ru: 'Заседание нельзя перенести', en: 'The meeting cannot be moved' });
  const place = input.place === undefined ? meeting.place : input.place?.trim() || undefined;
  // The same checks as a convene: a real date and time, in the future, deadlines that still fit.
  const checked = validateConveneRequest(
    { title: meeting.title, date: input.date, time: input.time, timeZone: meeting.timeZone, ...(place ? { place } : {}) },
    group,
    deps.clock,
    deps.calendar,
  );
  if (!checked.ok) throw domainFailure('invalid-move', checked.errors);
  const target = checked.value;
  if (target.startsAt === meeting.startsAt && place === meeting.place) {
    throw unprocessable('not-moved', 'Новые дата, время и место совпадают с прежними.', 'The new date, time and place are the same as before.');
  }
  const { before, moved } = await moveFromFreshState(deps, meeting.revision, {
    date: target.date,
    time: target.time,
    timeZone: target.timeZone,
    place: place ?? null,
    startsAt: target.startsAt,
    deadlines: target.deadlines,
  }, meetingId);
  const resumeAt = resumeAtAfterMove(before);
  await stopExecution(deps, before.executionArn, 'MeetingMoved', `moved to revision ${moved.revision}`);
  // Before the new execution starts: it issues the new revision's links, which must survive.
  const revoked = await deps.store.revokeLinksForMeeting(meetingId);
  // Everyone hears of the move before the new execution sends the new notice.
  let told = 0;
  if (before.phase === 'notified') {
    const [invitees, agendaItems] = await Promise.all([deps.store.listInvitees(meetingId), deps.store.listAgenda(meetingId, before)]);
    const people = [
      ...group.members.map((m) => ({ id: m.id, person: m })),
      ...invitees.map((i) => ({ id: `invitee:${i.id}`, person: i })),
    ];
    const agenda = agendaView(group, agendaItems, true);
    for (const { id, person } of people) {
      const message = mail.meetingMoved({
        recipient: recipientOf(person),
        meeting: meetingInfo(group, moved),
        previousStartsAt: before.startsAt,
        previousTimeZone: before.timeZone,
        agenda,
        organizer: organizer(deps, group),
        issuedAt: nowInstant(deps),
      });
      const sent = await deps.mailer.send({ meetingId, purpose: 'moved', recipient: id, revision: moved.revision }, message, person.email);
      if (sent.status === 'sent') told++;
    }
  }
  const executionArn = await startMeetingExecution(deps, moved, resumeAt);
  const current = await deps.store.updateMeeting(meetingId, { revision: moved.revision }, { executionArn });

  await audit(deps, meetingId, chair, 'moved', {
    from: { startsAt: before.startsAt, revision: before.revision },
    to: { startsAt: current.startsAt, revision: current.revision },
    resumeAt,
    executionArn,
    linksRevoked: revoked,
    told,
  });
  return { meeting: meetingSummary(deps, current, chair.lang), resumeAt, told };
}

// ================================================================ the protocol document

async function protocolModelOf(deps: Deps, caller: Caller, meetingId: string) {
  const { group, bundle, context } = await loadMeeting(deps, meetingId);
  authorize(caller, group, 'read', context);
  if (!bundle.protocol) throw notFound('protocol', 'Протокол ещё не составлен.', 'The protocol has not been drafted yet.');
  return { model: buildProtocolModel(group, bundle, { votingClosed: true, narrative: await loadNarrative(deps, bundle.protocol) }), meeting: bundle.meeting };
}

/** GET /admin/meetings/{id}/protocol.html */
export async function protocolHtml(deps: Deps, caller: Caller, meetingId: string, lang: Lang = 'ru'): Promise<string> {
  const { model } = await protocolModelOf(deps, caller, meetingId);
  return renderProtocolHtml(model, lang);
}

/** GET /admin/meetings/{id}/protocol.pdf */
export async function protocolPdf(deps: Deps, caller: Caller, meetingId: string, lang: Lang = 'ru'): Promise<{ pdf: Buffer; filename: string }> {
  const { model, meeting } = await protocolModelOf(deps, caller, meetingId);
  return { pdf: await renderProtocolPdf(model, lang), filename: `protocol-${meeting.number ?? meeting.id}.pdf` };
}
