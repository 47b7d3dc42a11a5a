import { MissingCalendarYearError } from '../../calendar/index.ts';
import { distributionDeadline, ifCalendarHasIt, signatureDeadline } from '../../domain/deadlines.ts';
import type { Instant } from '../../domain/types.ts';
import * as mail from '../../mail/messages.ts';
import { protocolHash, renderSignableProtocolHtml } from '../../protocol/html.ts';
import type { GroupRecord, ItemNarrative, MeetingRecord, ProtocolRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { issueLink } from '../links.ts';
import { meetingInfo, memberById, nowInstant, recipientOf, signingDeadlineOf } from '../meeting-view.ts';
import { buildProtocolModel, missingSigners, participantsOf } from '../protocol-draft.ts';
import { TaskEvent, CalendarYearMissing, load, bundleOf, setPhase, send, audit, timing } from './context.ts';
import { withoutGap, reportMissingCalendar, computeDistributionDeadline } from './calendar-gaps.ts';

/** Drafts (or re-drafts) the protocol and saves it as a new version when its content changed. */
export async function draftProtocol(deps: Deps, group: GroupRecord, meetingId: string, editedBy: string, narrative?: Record<string, ItemNarrative>): Promise<ProtocolRecord> {
  const bundle = await bundleOf(deps, meetingId);
  const current = bundle.protocol;
  const model = buildProtocolModel(group, bundle, { votingClosed: true, ...(narrative ? { narrative } : {}) });
  const hash = protocolHash(model, 'ru');
  if (current && current.hash === hash) return current;
  return deps.store.saveProtocolVersion(meetingId, current?.version ?? 0, {
    hash,
    html: renderSignableProtocolHtml(model, 'ru'),
    narrative: narrative ?? current?.narrative ?? {},
    editedBy,
  });
}
/**
 * п. 2.5е, 3.4: every signer gets a link to read and sign the exact version (its SHA-256 shown). The
 * signature deadline is computed here, when the phase starts, from the calendar in force now; while its
 * year has no data, the secretary and ops are told once and the ASL tries again a day later.
 */
export async function requestSignatures(deps: Deps, ev: TaskEvent): Promise<{ untilReminderSeconds: number; untilDeadlineSeconds: number }> {
  const { group, meeting: loaded } = await load(deps, ev);
  let signatures: Instant;
  try {
    signatures = signatureDeadline(loaded.startsAt, group.settings, deps.calendar);
  } catch (error) {
    if (!(error instanceof MissingCalendarYearError)) throw error;
    await reportMissingCalendar(deps, group, loaded, 'signatures', error.year);
    throw new CalendarYearMissing(error.message);
  }
  // The expected distribution deadline follows the signature deadline (recomputed from the real signing date later).
  const { distribution: _stale, ...before } = loaded.deadlines;
  const distribution = ifCalendarHasIt(() => distributionDeadline(signatures, group.settings.timeZone, deps.calendar));
  const meeting = await setPhase(deps, loaded, 'protocol-signing', {
    deadlines: { ...before, signatures, ...(distribution ? { distribution } : {}) },
    ...(loaded.deadlinesNotComputable?.signatures ? { deadlinesNotComputable: withoutGap(loaded, 'signatures') } : {}),
  });
  await draftProtocol(deps, group, meeting.id, 'system');
  // A protocol drafted early (a narrative written before voting closed) gets the deadline computed now.
  await deps.store.setSigningDeadline(meeting.id, signatures);
  await sendSigningLinks(deps, group, meeting);
  await audit(deps, meeting.id, 'protocol-drafted', { signaturesDeadline: signatures });
  return timing(deps, group, signatures);
}
/** Signing links for the current version to those who have not signed it (after an edit: everybody). */
export async function sendSigningLinks(deps: Deps, group: GroupRecord, meeting: MeetingRecord): Promise<number> {
  const bundle = await bundleOf(deps, meeting.id);
  const protocol = bundle.protocol;
  if (!protocol) return 0;
  let sent = 0;
  const participants = new Set(participantsOf(group.members, bundle.ballotBox));
  for (const member of missingSigners(group, bundle)) {
    const signUrl = await issueLink(deps, { meetingId: meeting.id, memberId: member.id, purpose: 'sign', expiresAt: signingDeadlineOf(meeting), revision: meeting.revision });
    const message = mail.protocolForSignature({
      recipient: recipientOf(member),
      meeting: meetingInfo(group, meeting),
      protocolNumber: String(meeting.number ?? ''),
      sha256: protocol.hash,
      signUrl,
      signaturesDeadline: signingDeadlineOf(meeting),
    });
    if ((await send(deps, meeting, 'protocol-signature', member, message, protocol.version)).status === 'sent') sent++;
  }
  // п. 2.6ж: participants may attach a dissenting opinion until signing ends.
  for (const id of participants) {
    const member = memberById(group, id);
    if (member) await issueLink(deps, { meetingId: meeting.id, memberId: id, purpose: 'dissent', expiresAt: signingDeadlineOf(meeting), revision: meeting.revision });
  }
  return sent;
}
/**
 * The moment of finalisation is the signing date; the distribution deadline follows from it (п. 3.4).
 * Without the calendar for its year it is recorded as not computable and the meeting goes on:
 * distribution never waits for the calendar.
 */
export async function finaliseProtocol(deps: Deps, ev: TaskEvent): Promise<{ signedAt: Instant; distributionDeadline: Instant | null; missingSignatures: string[] }> {
  const { group, meeting } = await load(deps, ev);
  const protocol = await deps.store.finaliseProtocol(meeting.id);
  const signedAt = (protocol.finalisedAt ?? nowInstant(deps)).replace(/\.\d{3}Z$/, 'Z');
  const dueBy = await computeDistributionDeadline(deps, group, { ...meeting, signedAt });
  const { distribution: _expected, ...deadlines } = meeting.deadlines;
  await setPhase(deps, meeting, 'finalised', { signedAt, deadlines: dueBy ? { ...deadlines, distribution: dueBy } : deadlines });
  const bundle = await bundleOf(deps, meeting.id);
  const missing = missingSigners(group, bundle).map((m) => m.name);
  await audit(deps, meeting.id, 'protocol-finalised', { signedAt, distributionDeadline: dueBy ?? null, missingSignatures: missing });
  return { signedAt, distributionDeadline: dueBy ?? null, missingSignatures: missing };
}
