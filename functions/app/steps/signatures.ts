import { MissingCalendarYearError } from '../../calendar/index.ts';
import { distributionDeadline, ifCalendarHasIt, signatureDeadline } from '../../domain/deadlines.ts';
import type { Instant } from '../../domain/types.ts';
import * as mail from '../../mail/messages.ts';
import { renderSignableProtocolHtml } from '../../protocol/html.ts';
import { sha256Hex } from '../../store/documents.ts';
import type { GroupRecord, ItemNarrative, MeetingRecord, ProtocolRecord } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { fanOutToMembers, type FanOutProgress, type Invocation } from '../fan-out.ts';
import { issueLinks } from '../links.ts';
import { meetingInfo, nowInstant, recipientOf, signingDeadlineOf } from '../meeting-view.ts';
import { loadNarrative, storeVersionDocuments } from '../protocol-documents.ts';
import { buildProtocolModel, missingSigners, participantsOf, signerIdsOf } from '../protocol-draft.ts';
import { TaskEvent, CalendarYearMissing, load, bundleOf, setPhase, send, audit, timing } from './context.ts';
import { withoutGap, reportMissingCalendar, computeDistributionDeadline } from './calendar-gaps.ts';

/**
 * Drafts (or re-drafts) the protocol: when its content changed, the signable HTML and the narrative go
 * to the document store and a new version is saved; then every signer is bound to the current version
 * (п. 2.5е / SPEC step 6: a new version voids every signature). Safe to re-run after a crash at any
 * line: unchanged content saves nothing, and only signers not yet bound are written.
 */
export async function draftProtocol(deps: Deps, group: GroupRecord, meetingId: string, editedBy: string, narrative?: Record<string, ItemNarrative>): Promise<ProtocolRecord> {
  const bundle = await bundleOf(deps, meetingId);
  const current = bundle.protocol;
  const text = narrative ?? (await loadNarrative(deps, current));
  const model = buildProtocolModel(group, bundle, { votingClosed: true, narrative: text });
  const html = renderSignableProtocolHtml(model, 'ru');
  const hash = sha256Hex(html);
  const signerIds = signerIdsOf(group, bundle);
  let protocol: ProtocolRecord | null = current && current.hash === hash ? current : null;
  if (!protocol) {
    const version = (current?.version ?? 0) + 1;
    const documents = await storeVersionDocuments(deps, meetingId, version, { html, hash }, text);
    const signingDeadline = bundle.meeting.deadlines.signatures;
    const header = await deps.store.protocols.saveVersion(meetingId, current?.version ?? 0, {
      hash,
      ...documents,
      editedBy,
      signerCount: signerIds.length,
      ...(signingDeadline ? { signingDeadline } : {}),
    });
    protocol = { ...header, signatures: {} };
  }
  if (protocol.signingDeadline && !protocol.finalisedAt) await deps.store.protocols.bindSigners(meetingId, protocol, signerIds);
  return protocol;
}

/**
 * п. 2.5е, 3.4: every signer gets a link to read and sign the exact version (its SHA-256 shown). The
 * signature deadline is computed here, when the phase starts, from the calendar in force now; while its
 * year has no data, the secretary and ops are told once and the ASL tries again a day later.
 */
export async function requestSignatures(
  deps: Deps,
  ev: TaskEvent,
  invocation: Invocation = {},
): Promise<{ untilReminderSeconds: number; untilDeadlineSeconds: number; fanOut: FanOutProgress }> {
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
  // A protocol drafted before (a re-run) gets the deadline computed now, before its signers are bound to it.
  await deps.store.protocols.setSigningDeadline(meeting.id, signatures);
  await draftProtocol(deps, group, meeting.id, 'system');
  const progress = await signingLinks(deps, group, meeting, invocation);
  if (progress.done) await audit(deps, meeting.id, 'protocol-drafted', { signaturesDeadline: signatures });
  return { ...timing(deps, group, signatures), fanOut: progress };
}

/** Signing links for the current version to those who have not signed it (after an edit: everybody). */
export async function sendSigningLinks(deps: Deps, group: GroupRecord, meeting: MeetingRecord): Promise<number> {
  return (await signingLinks(deps, group, meeting, {})).sent;
}

async function signingLinks(deps: Deps, group: GroupRecord, meeting: MeetingRecord, invocation: Invocation): Promise<FanOutProgress> {
  const bundle = await bundleOf(deps, meeting.id);
  const protocol = bundle.protocol;
  if (!protocol) return { step: 'signing-links', done: true, cursor: '', sent: 0 };
  const participants = new Set(participantsOf(group.members, bundle.ballotBox));
  const link = (purpose: 'sign' | 'dissent') => ({ meetingId: meeting.id, groupId: group.id, purpose, expiresAt: signingDeadlineOf(meeting), revision: meeting.revision }) as const;
  const progress = await fanOutToMembers(deps, invocation, group, {
    // A new version asks everyone again, from the top.
    step: `signing-links:v${protocol.version}`,
    recipients: missingSigners(group, bundle),
    link: link('sign'),
    send: async (member, url) => {
      const message = mail.protocolForSignature({
        recipient: recipientOf(member),
        meeting: meetingInfo(group, meeting),
        protocolNumber: String(meeting.number ?? ''),
        sha256: protocol.hash,
        signUrl: url,
        signaturesDeadline: signingDeadlineOf(meeting),
      });
      return (await send(deps, meeting, 'protocol-signature', member, message, protocol.version)).status === 'sent';
    },
  });
  // п. 2.6ж: participants may attach a dissenting opinion until signing ends (no e-mail: the signing page offers it).
  if (progress.done) await issueLinks(deps, group.members.filter((m) => participants.has(m.id)).map((m) => ({ ...link('dissent'), memberId: m.id })));
  return progress;
}

/**
 * The moment of finalisation is the signing date; the distribution deadline follows from it (п. 3.4).
 * Without the calendar for its year it is recorded as not computable and the meeting goes on:
 * distribution never waits for the calendar.
 */
export async function finaliseProtocol(deps: Deps, ev: TaskEvent): Promise<{ signedAt: Instant; distributionDeadline: Instant | null; missingSignatures: string[] }> {
  const { group, meeting } = await load(deps, ev);
  const { protocol } = await deps.store.protocols.finalise(meeting.id);
  const signedAt = (protocol.finalisedAt ?? nowInstant(deps)).replace(/\.\d{3}Z$/, 'Z');
  const dueBy = await computeDistributionDeadline(deps, group, { ...meeting, signedAt });
  const { distribution: _expected, ...deadlines } = meeting.deadlines;
  await setPhase(deps, meeting, 'finalised', { signedAt, deadlines: dueBy ? { ...deadlines, distribution: dueBy } : deadlines });
  const bundle = await bundleOf(deps, meeting.id);
  const missing = missingSigners(group, bundle).map((m) => m.name);
  await audit(deps, meeting.id, 'protocol-finalised', { signedAt, distributionDeadline: dueBy ?? null, missingSignatures: missing });
  return { signedAt, distributionDeadline: dueBy ?? null, missingSignatures: missing };
}
