import { MissingCalendarYearError } from '../../calendar/index.ts';
import { distributionDeadline, ifCalendarHasIt, signatureDeadline } from '../../domain/deadlines.ts';
import type { Instant } from '../../domain/types.ts';
import * as mail from '../../mail/messages.ts';
import { renderSignableProtocolHtml } from '../../protocol/html.ts';
import { sha256Hex } from '../../store/documents.ts';
import { ConditionFailedError } from '../../store/errors.ts';
import type { GroupRecord, ItemNarrative, MeetingRecord, ProtocolHeader, ProtocolRecord, ProtocolState } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { fanOutToMembers, type FanOutProgress, type Invocation } from '../fan-out.ts';
import { issueLinks } from '../links.ts';
import { meetingInfo, nowInstant, recipientOf, signingDeadlineOf } from '../meeting-view.ts';
import { loadNarrative, storeVersionDocuments } from '../protocol-documents.ts';
import { buildProtocolModel, missingSigners, participantsOf, signerIdsOf } from '../protocol-draft.ts';
import { TaskEvent, CalendarYearMissing, load, bundleOf, setPhase, send, auditOnce, timing } from './context.ts';
import { withoutGap, reportMissingCalendar, computeDistributionDeadline } from './calendar-gaps.ts';

/** Attempts of a draft that meets a concurrent one (an edit and a dissent at once): it drafts again on top. */
const DRAFT_ATTEMPTS = 3;

/**
 * Drafts (or re-drafts) the protocol: when its content changed, the signable HTML and the narrative go
 * to the document store and a new version is saved, with its own signing deadline; then every signer
 * is bound to the current version (п. 2.5е / SPEC step 6: a new version voids every signature). Safe to
 * re-run after a crash at any line: unchanged content saves nothing, the version's copy and the
 * meeting's deadline are completed, and only signers not yet bound are written.
 */
export async function draftProtocol(deps: Deps, group: GroupRecord, meetingId: string, editedBy: string, narrative?: Record<string, ItemNarrative>): Promise<ProtocolRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await draftOnce(deps, group, meetingId, editedBy, narrative);
    } catch (error) {
      if (!(error instanceof ConditionFailedError && error.reason === 'stale') || attempt >= DRAFT_ATTEMPTS) throw error;
    }
  }
}

async function draftOnce(deps: Deps, group: GroupRecord, meetingId: string, editedBy: string, narrative?: Record<string, ItemNarrative>): Promise<ProtocolRecord> {
  const bundle = await bundleOf(deps, meetingId);
  const current = bundle.protocol;
  const text = narrative ?? (await loadNarrative(deps, current));
  const model = buildProtocolModel(group, bundle, { votingClosed: true, narrative: text });
  const html = renderSignableProtocolHtml(model, 'ru');
  const hash = sha256Hex(html);
  const signerIds = signerIdsOf(group, bundle);
  let protocol: ProtocolRecord | null = current && current.hash === hash ? current : null;
  if (protocol) await deps.store.protocols.keepCopy(protocol);
  else {
    const version = (current?.version ?? 0) + 1;
    const documents = await storeVersionDocuments(deps, meetingId, version, { html, hash }, text);
    const signingDeadline = newVersionDeadline(deps, group, bundle.meeting, current);
    const header = await deps.store.protocols.saveVersion(meetingId, current?.version ?? 0, {
      hash,
      ...documents,
      editedBy,
      signerCount: signerIds.length,
      ...(signingDeadline ? { signingDeadline } : {}),
    });
    protocol = { ...header, signatures: {} };
  }
  if (protocol.signingDeadline && !protocol.finalisedAt) {
    await followVersionDeadline(deps, group, bundle.meeting, protocol.signingDeadline);
    await deps.store.protocols.bindSigners(meetingId, protocol, signerIds);
  }
  return protocol;
}

/**
 * The signing deadline of a new version. The first has the phase's (п. 2.5е, 3.4: the end of the
 * `signatureWorkingDays`-th working day after the meeting day). A version made while signing is under
 * way (an edit, a dissent) restarts signing (issue 10): its signers get the same period again from the
 * day it is made — never less than the version it replaces had; while the calendar lacks that year,
 * the replaced version's deadline (never a guess).
 */
function newVersionDeadline(deps: Deps, group: GroupRecord, meeting: MeetingRecord, current: ProtocolHeader | null): Instant | undefined {
  if (!current?.signingDeadline) return meeting.deadlines.signatures;
  const restarted = ifCalendarHasIt(() => signatureDeadline(nowInstant(deps), group.settings, deps.calendar));
  return latest(current.signingDeadline, restarted);
}

/**
 * The meeting shows the current version's deadline, and its sign and dissent links, its reminders and
 * the expected distribution deadline follow it. Links first, then the meeting: a crash between leaves
 * the meeting behind, and the next draft (the step's re-run) completes both.
 */
async function followVersionDeadline(deps: Deps, group: GroupRecord, meeting: MeetingRecord, deadline: Instant): Promise<void> {
  const shown = meeting.deadlines.signatures;
  if (!shown || Date.parse(deadline) <= Date.parse(shown)) return;
  await deps.store.links.extend(meeting.id, { purposes: ['sign', 'dissent'], revision: meeting.revision, until: deadline });
  const { distribution: _expected, ...rest } = meeting.deadlines;
  const distribution = ifCalendarHasIt(() => distributionDeadline(deadline, group.settings.timeZone, deps.calendar));
  await deps.store.updateMeeting(meeting.id, { revision: meeting.revision }, { deadlines: { ...rest, signatures: deadline, ...(distribution ? { distribution } : {}) } });
}

const latest = (first: Instant, ...others: (Instant | undefined)[]): Instant =>
  others.reduce<Instant>((max, at) => (at && Date.parse(at) > Date.parse(max) ? at : max), first);

/**
 * п. 2.5е, 3.4: every signer gets a link to read and sign the exact version (its SHA-256 shown). The
 * signature deadline is computed here, when the phase starts, from the calendar in force now (when
 * signing restarts for a version made during signing, that version's own deadline); while its
 * year has no data, the secretary and ops are told once and the ASL tries again a day later.
 */
export async function requestSignatures(
  deps: Deps,
  ev: TaskEvent,
  invocation: Invocation = {},
): Promise<{ untilReminderSeconds: number; untilDeadlineSeconds: number; fanOut: FanOutProgress }> {
  const { group, meeting: loaded } = await load(deps, ev);
  // Signing restarted for a version made during signing (finaliseProtocol): that version's own deadline.
  let signatures = (await deps.store.protocols.getHeader(loaded.id))?.signingDeadline;
  if (!signatures) {
    try {
      signatures = signatureDeadline(loaded.startsAt, group.settings, deps.calendar);
    } catch (error) {
      if (!(error instanceof MissingCalendarYearError)) throw error;
      await reportMissingCalendar(deps, group, loaded, 'signatures', error.year);
      throw new CalendarYearMissing(error.message);
    }
  }
  // The expected distribution deadline follows the signature deadline (recomputed from the real signing date later).
  const { distribution: _stale, ...before } = loaded.deadlines;
  const distribution = ifCalendarHasIt(() => distributionDeadline(signatures, group.settings.timeZone, deps.calendar));
  const meeting = await setPhase(deps, loaded, 'protocol-signing', {
    deadlines: { ...before, signatures, ...(distribution ? { distribution } : {}) },
    ...(loaded.deadlinesNotComputable?.signatures ? { deadlinesNotComputable: withoutGap(loaded, 'signatures') } : {}),
  });
  // A protocol drafted before its deadline was known gets it now, before its signers are bound to it.
  await deps.store.protocols.setSigningDeadline(meeting.id, signatures);
  const protocol = await draftProtocol(deps, group, meeting.id, 'system');
  const progress = await signingLinks(deps, group, invocation, meeting.id);
  if (progress.done) await auditOnce(deps, meeting, `protocol-drafted:v${protocol.version}`, 'protocol-drafted', { version: protocol.version, signaturesDeadline: signatures });
  return { ...timing(deps, group, signatures), fanOut: progress };
}

/** Signing links for the current version to those who have not signed it (after an edit: everybody). */
export async function sendSigningLinks(deps: Deps, group: GroupRecord, meeting: Pick<MeetingRecord, 'id'>): Promise<number> {
  return (await signingLinks(deps, group, {}, meeting.id)).sent;
}

/** The meeting is read with the protocol: the links carry the current version's deadline. */
async function signingLinks(deps: Deps, group: GroupRecord, invocation: Invocation, meetingId: string): Promise<FanOutProgress> {
  const bundle = await bundleOf(deps, meetingId);
  const { meeting, protocol } = bundle;
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
  // A dissent link the secretary revoked stays revoked.
  if (progress.done) await issueLinks(deps, group.members.filter((m) => participants.has(m.id)).map((m) => ({ ...link('dissent'), memberId: m.id })), { keepRevoked: true });
  return progress;
}

/** What FinaliseProtocol hands the state machine: finalised, or signing restarted for a newer version. */
export type FinaliseOutcome =
  | { restarted: false; signedAt: Instant; distributionDeadline: Instant | null; missingSignatures: string[] }
  | { restarted: true; version: number; signingDeadline: Instant | null };

/**
 * The moment of finalisation is the signing date; the distribution deadline follows from it (п. 3.4).
 * Without the calendar for its year it is recorded as not computable and the meeting goes on:
 * distribution never waits for the calendar. A version is finalised only with its own signatures:
 * when an edit made a new version after the last signature of the one before, signing restarts for
 * it (`restarted`: the ASL asks for its signatures and waits until its own deadline).
 */
export async function finaliseProtocol(deps: Deps, ev: TaskEvent): Promise<FinaliseOutcome> {
  const { group, meeting } = await load(deps, ev);
  const sealed = await finaliseIfDue(deps, meeting.id);
  if ('pending' in sealed) {
    const { version, signingDeadline } = sealed.pending;
    await auditOnce(deps, meeting, `signatures-restarted:v${version}`, 'signatures-restarted', { version, signaturesDeadline: signingDeadline ?? null });
    return { restarted: true, version, signingDeadline: signingDeadline ?? null };
  }
  const { protocol } = sealed.state;
  const signedAt = (protocol.finalisedAt ?? nowInstant(deps)).replace(/\.\d{3}Z$/, 'Z');
  const dueBy = await computeDistributionDeadline(deps, group, { ...meeting, signedAt });
  const { distribution: _expected, ...deadlines } = meeting.deadlines;
  await setPhase(deps, meeting, 'finalised', { signedAt, deadlines: dueBy ? { ...deadlines, distribution: dueBy } : deadlines });
  const bundle = await bundleOf(deps, meeting.id);
  const missing = missingSigners(group, bundle).map((m) => m.name);
  await auditOnce(deps, meeting, 'protocol-finalised', 'protocol-finalised', { version: protocol.version, signedAt, distributionDeadline: dueBy ?? null, missingSignatures: missing });
  return { restarted: false, signedAt, distributionDeadline: dueBy ?? null, missingSignatures: missing };
}

/**
 * Finalises the current version when it is due — signed by all its signers, or its own deadline
 * reached (SPEC step 6: then with the missing signatures recorded) — and never a version younger than
 * that. The store seals only the version counted ('stale' when an edit moved the header on meanwhile:
 * counted again). `pending`: the current version is not due yet.
 */
async function finaliseIfDue(deps: Deps, meetingId: string): Promise<{ state: ProtocolState } | { pending: ProtocolHeader }> {
  for (let attempt = 1; ; attempt++) {
    const current = await deps.store.protocols.completion(meetingId);
    if (!current) throw new Error(`Meeting ${meetingId} has no protocol to finalise`);
    const { header, complete } = current;
    const deadline = header.signingDeadline;
    const due = header.finalisedAt !== undefined || complete || (deadline !== undefined && deps.clock.now().getTime() >= Date.parse(deadline));
    if (!due) return { pending: header };
    try {
      return { state: await deps.store.protocols.finalise(meetingId, header.version) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError && error.reason === 'stale') || attempt >= DRAFT_ATTEMPTS) throw error;
    }
  }
}
