/**
 * The agenda (п. 2.3в, 2.3г, 2.5в): formed by the secretary, speakers by the chair, proposals decided,
 * approval.
 */
import { randomUUID } from 'node:crypto';
import type { DomainError } from '../../domain/result.ts';
import { conflict, notFound, unprocessable } from '../../http/errors.ts';
import { validate } from '../../http/middleware.ts';
import { type AgendaItemRecord, type AgendaMaterial, type GroupRecord, type ProposalRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { recordAgendaApproval } from '../steps/execution.ts';
import { sendInviteeNotice } from '../steps/notice.ts';
import { Caller, MOVABLE, audit, authorize, domainFailure, loadMeeting, requireAgendaOpen, requirePhase } from './access.ts';
import { agendaSchema, approveBody, decisionBody, speakersBody } from './schemas.ts';
import { meetingSummary } from './views.ts';
import { checkSpeakers } from './convene.ts';

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
