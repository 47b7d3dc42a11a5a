/**
 * Convening a meeting (п. 2.3а): once per Idempotency-Key, numbered without gaps, its execution started.
 */
import { createHash, randomUUID } from 'node:crypto';
import { validateConveneRequest } from '../../domain/convene.ts';
import type { DomainError } from '../../domain/result.ts';
import type { Group } from '../../domain/types.ts';
import { badRequest } from '../../http/errors.ts';
import { validate } from '../../http/middleware.ts';
import { ConditionFailedError } from '../../store/errors.ts';
import { type AgendaItemRecord, type MeetingRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { startMeetingExecution } from '../steps/execution.ts';
import { Caller, authorize, domainFailure, loadGroup } from './access.ts';
import { conveneSchema } from './schemas.ts';
import { MeetingSummary, meetingSummary } from './views.ts';

/** Speakers: a member id, or a free name (п. 2.3г); an id-like entry naming no member is refused. */
const ID_LIKE = /^[A-Za-z0-9_.:-]+$/;

export function checkSpeakers(group: Group, speakers: readonly string[], field: string, errors: DomainError[]): string[] {
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
