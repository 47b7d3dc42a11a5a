import { emitMetric } from '../../lib/metrics.ts';
import * as mail from '../../mail/messages.ts';
import { renderProtocolHtml } from '../../protocol/html.ts';
import { renderProtocolPdf } from '../../protocol/pdf.ts';
import type { Deps } from '../deps.ts';
import { fanOutToMembers, type FanOutProgress, type Invocation } from '../fan-out.ts';
import { meetingInfo, nowInstant, recipientOf } from '../meeting-view.ts';
import { loadNarrative, signedProtocolDocuments } from '../protocol-documents.ts';
import { buildProtocolModel, missingSigners } from '../protocol-draft.ts';
import { TaskEvent, TransientError, DistributionDeadlineMissed, load, bundleOf, setPhase, send, auditOnce } from './context.ts';
import { withoutGap, computeDistributionDeadline } from './calendar-gaps.ts';
import { retryDeadline } from './step-deadlines.ts';

/**
 * п. 3.4: the signed protocol (PDF and HTML) goes to every member; each recipient once. Sending never
 * waits for the calendar; a deadline not computable at finalisation is tried again on every attempt, so
 * once the year is added (a deploy, or an `npm start` restart) the retries and the alarm use it.
 */
export async function distribute(deps: Deps, ev: TaskEvent, invocation: Invocation = {}): Promise<{ sent: number; late: boolean; fanOut: FanOutProgress }> {
  const { group, meeting: loaded } = await load(deps, ev);
  let meeting = loaded;
  if (!meeting.deadlines.distribution && meeting.signedAt) {
    const dueBy = await computeDistributionDeadline(deps, group, { ...meeting, signedAt: meeting.signedAt });
    if (dueBy) meeting = await setPhase(deps, meeting, meeting.phase, { deadlines: { ...meeting.deadlines, distribution: dueBy }, deadlinesNotComputable: withoutGap(meeting, 'distribution') });
  }
  const bundle = await bundleOf(deps, meeting.id);
  const protocol = bundle.protocol;
  if (!protocol) throw new Error(`Meeting ${meeting.id} has no protocol to distribute`);
  // Rendered and stored once (S3); a retry sends the very same documents, with the time they state.
  const { pdf, html: protocolHtml, documents } = await signedProtocolDocuments(
    deps,
    meeting.id,
    protocol.signed,
    async (at) => {
      const narrative = await loadNarrative(deps, protocol);
      const model = buildProtocolModel(group, { ...bundle, meeting: { ...bundle.meeting, distributedAt: at } }, { votingClosed: true, narrative });
      return { pdf: await renderProtocolPdf(model, 'ru'), html: renderProtocolHtml(model, 'ru') };
    },
    meeting.distributedAt ?? nowInstant(deps),
  );
  const sentAt = meeting.distributedAt ?? documents.sentAt;
  const missing = missingSigners(group, bundle).map((m) => m.name);
  const deadline = meeting.deadlines.distribution;
  // Late if the distribution completes after the deadline (a retry completes it now).
  const late = deadline !== undefined && deps.clock.now().getTime() > Date.parse(deadline);
  // Large documents are not attached to every e-mail (issue 9: 1 MB × 1,000 members); the link always is.
  const attachDocuments = pdf.length + Buffer.byteLength(protocolHtml) < group.settings.attachPdfMaxBytes;
  const downloadUntil = new Date(Date.parse(sentAt) + PROTOCOL_LINK_DAYS * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const link = { meetingId: meeting.id, groupId: group.id, purpose: 'protocol', expiresAt: downloadUntil, revision: meeting.revision } as const;
  const failures: string[] = [];
  const progress = await fanOutToMembers(deps, invocation, group, {
    step: 'distribution',
    recipients: group.members,
    link,
    send: async (member, url) => {
      const message = mail.signedProtocol({
        recipient: recipientOf(member),
        meeting: meetingInfo(group, meeting),
        protocolNumber: String(meeting.number ?? ''),
        signedAt: meeting.signedAt ?? sentAt,
        ...(attachDocuments ? { pdf, protocolHtml } : {}),
        downloadUrl: url,
        downloadUntil,
        sha256: protocol.hash,
        missingSignatures: missing,
      });
      try {
        return (await send(deps, meeting, 'signed-protocol', member, message)).status === 'sent';
      } catch (error) {
        failures.push(`${member.id}: ${(error as Error).message}`);
        return false;
      }
    },
  });
  // This invocation's recipients are retried (from its cursor) until the deadline; the ledger skips those reached.
  if (failures.length > 0) {
    const retryUntil = retryDeadline(deadline, meeting.resumedAt);
    if (retryUntil !== undefined && deps.clock.now().getTime() > Date.parse(retryUntil)) {
      emitDistributionMissed(deps, meeting.id);
      throw new DistributionDeadlineMissed(`Distribution deadline ${retryUntil} passed with ${failures.length} recipients not reached`);
    }
    throw new TransientError(`Protocol not yet delivered to ${failures.length} member(s): ${failures.join('; ')}`);
  }
  if (!progress.done) return { sent: progress.sent, late, fanOut: progress };
  if (late) emitDistributionMissed(deps, meeting.id);
  await setPhase(deps, meeting, 'distributed', { distributedAt: sentAt });
  await auditOnce(deps, meeting, 'protocol-distributed', 'protocol-distributed', { sent: progress.sent, late, deadline: deadline ?? null });
  return { sent: progress.sent, late, fanOut: progress };
}

/** How long a member's link to the signed protocol works. */
const PROTOCOL_LINK_DAYS = 365;

/** CloudWatch Embedded Metric Format: the stack's alarm watches Kvorum/DistributionDeadlineMissed. */
export function emitDistributionMissed(deps: Deps, meetingId: string): void {
  emitMetric({ namespace: 'Kvorum', name: 'DistributionDeadlineMissed', value: 1, properties: { meetingId }, timestamp: deps.clock.now() });
}
