import { emitMetric } from '../../lib/metrics.ts';
import * as mail from '../../mail/messages.ts';
import { renderProtocolHtml } from '../../protocol/html.ts';
import { renderProtocolPdf } from '../../protocol/pdf.ts';
import type { Deps } from '../deps.ts';
import { meetingInfo, nowInstant, recipientOf } from '../meeting-view.ts';
import { buildProtocolModel, missingSigners } from '../protocol-draft.ts';
import { TaskEvent, TransientError, DistributionDeadlineMissed, load, bundleOf, setPhase, send, audit } from './context.ts';
import { withoutGap, computeDistributionDeadline } from './calendar-gaps.ts';

/**
 * п. 3.4: the signed protocol (PDF and HTML) goes to every member; each recipient once. Sending never
 * waits for the calendar; a deadline not computable at finalisation is tried again on every attempt, so
 * once the year is added (a deploy, or an `npm start` restart) the retries and the alarm use it.
 */
export async function distribute(deps: Deps, ev: TaskEvent): Promise<{ sent: number; late: boolean }> {
  const { group, meeting: loaded } = await load(deps, ev);
  let meeting = loaded;
  if (!meeting.deadlines.distribution && meeting.signedAt) {
    const dueBy = await computeDistributionDeadline(deps, group, { ...meeting, signedAt: meeting.signedAt });
    if (dueBy) meeting = await setPhase(deps, meeting, meeting.phase, { deadlines: { ...meeting.deadlines, distribution: dueBy }, deadlinesNotComputable: withoutGap(meeting, 'distribution') });
  }
  const bundle = await bundleOf(deps, meeting.id);
  const sentAt = meeting.distributedAt ?? nowInstant(deps);
  const model = buildProtocolModel(group, { ...bundle, meeting: { ...bundle.meeting, distributedAt: sentAt } }, { votingClosed: true });
  const protocolHtml = renderProtocolHtml(model, 'ru');
  const pdf = await renderProtocolPdf(model, 'ru');
  const missing = missingSigners(group, bundle).map((m) => m.name);
  const deadline = meeting.deadlines.distribution;
  const late = deadline !== undefined && Date.parse(sentAt) > Date.parse(deadline);
  let sent = 0;
  const failures: string[] = [];
  for (const member of group.members) {
    const message = mail.signedProtocol({
      recipient: recipientOf(member),
      meeting: meetingInfo(group, meeting),
      protocolNumber: String(meeting.number ?? ''),
      signedAt: meeting.signedAt ?? sentAt,
      pdf,
      protocolHtml,
      sha256: bundle.protocol?.hash,
      missingSignatures: missing,
    });
    try {
      if ((await send(deps, meeting, 'signed-protocol', member, message)).status === 'sent') sent++;
    } catch (error) {
      failures.push(`${member.id}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) {
    if (deadline !== undefined && deps.clock.now().getTime() > Date.parse(deadline)) {
      emitDistributionMissed(deps, meeting.id);
      throw new DistributionDeadlineMissed(`Distribution deadline ${deadline} passed with ${failures.length} recipients not reached`);
    }
    throw new TransientError(`Protocol not yet delivered to ${failures.length} member(s): ${failures.join('; ')}`);
  }
  if (late) emitDistributionMissed(deps, meeting.id);
  await setPhase(deps, meeting, 'distributed', { distributedAt: sentAt });
  await audit(deps, meeting.id, 'protocol-distributed', { sent, late, deadline: deadline ?? null });
  return { sent, late };
}
/** CloudWatch Embedded Metric Format: the stack's alarm watches Kvorum/DistributionDeadlineMissed. */
export function emitDistributionMissed(deps: Deps, meetingId: string): void {
  emitMetric({ namespace: 'Kvorum', name: 'DistributionDeadlineMissed', value: 1, properties: { meetingId }, timestamp: deps.clock.now() });
}
