import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { approveByLink, convene, createGroup, lastMail, meeting, sign, team, voteAll, type Team } from './fixtures.ts';

/**
 * SPEC step 7 and issue 4 §1: the protocol is sent at once and retried until the 5-working-day
 * deadline; a missed deadline records the failure, tells the secretary and raises the alarm metric.
 * SES outages are injected at the HTTP level (503 from the SES endpoint), so the real SDK client, the
 * mailer's ledger and the state machine's Retry/Catch all take part.
 */
describe('distribution when SES is down', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
  }, 60_000);
  afterAll(() => h?.stop());

  /** Runs a meeting up to the last missing signature (everyone but the chair has signed). */
  async function untilLastSignature(g: Team, day: string, proposalsCloseDay: string): Promise<string> {
    const groupId = await createGroup(h, g.members, g.secretary);
    const id = await convene(h, groupId, { title: `Заседание ${g.domain}`, date: day, time: '10:00', agenda: [{ title: 'О плане' }] }, g.chair);
    await h.advanceTo(`${proposalsCloseDay}T19:59:59Z`);
    expect(await approveByLink(h, g.email('chair'))).toBe(200);
    await h.advanceTo(`${day}T06:00:00Z`);
    for (const m of g.members) expect(await voteAll(h, m.email, { 0: 'for' })).toBe(200);
    await h.advanceTo(`${day}T08:00:00Z`);
    for (const m of g.members.filter((x) => x.id !== 'chair')) expect(await sign(h, m.email)).toBe(200);
    return id;
  }

  it('retries after an outage and delivers the protocol to every member exactly once', async () => {
    const g = team('retry.test');
    const id = await untilLastSignature(g, '2026-03-12', '2026-03-07');
    const outage = h.system.ses.outage();
    expect(await sign(h, g.email('chair'))).toBe(200);
    const during = await meeting(h, id, g.secretary);
    expect(during.meeting.phase).toBe('finalised');
    expect(outage.refused()).toBeGreaterThan(0);
    for (const m of g.members) expect(await lastMail(h, m.email, /^Протокол №/)).toBeUndefined();
    // The state machine waits before the next attempt (a timed state), well inside the deadline.
    const next = h.system.runtime.nextWakeUp();
    expect(next && next.getTime() - h.clock.now().getTime()).toBe(600_000);

    outage.restore();
    await h.advanceToNext();
    const after = await meeting(h, id, g.secretary);
    expect(after.meeting.phase).toBe('distributed');
    for (const m of g.members) {
      const mails = (await h.mailsTo(m.email)).filter((x) => /^Протокол №/.test(x.subject));
      expect(mails, m.email).toHaveLength(1);
    }
    expect(after.audit.map((a: any) => a.action)).not.toContain('step-failed');
  });

  it('after the deadline: the failure is recorded, the secretary is told, the alarm metric is emitted', async () => {
    const g = team('missed.test');
    const id = await untilLastSignature(g, '2026-03-25', '2026-03-20');
    const outage = h.system.ses.outage({ exceptTo: [g.email('secretary')] });
    const logged: string[] = [];
    // EMF goes straight to stdout (functions/lib/metrics.ts), past Lambda's JSON console.
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged.push(...String(chunk).split('\n').filter(Boolean));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      expect(await sign(h, g.email('chair'))).toBe(200);
      const finalised = await meeting(h, id, g.secretary);
      const deadline = finalised.meeting.deadlines.distribution as string;
      // Signed on Wednesday 25 March 2026: the 5th working day after is Wednesday 1 April.
      expect(deadline).toBe('2026-04-01T19:59:59Z');
      await h.advanceTo(new Date(Date.parse(deadline) + 1000));
    } finally {
      process.stdout.write = original;
    }
    outage.restore();
    const after = await meeting(h, id, g.secretary);
    expect(after.meeting.phase).toBe('failed');
    const failure = after.audit.find((a: any) => a.action === 'step-failed');
    expect(failure?.detail.error).toBe('DistributionDeadlineMissed');
    const told = await lastMail(h, g.email('secretary'), /./);
    expect(told?.text).toContain('DistributionDeadlineMissed');
    const metric = logged.map((line) => JSON.parse(line.startsWith('{') ? line : '{}')).find((x) => x.DistributionDeadlineMissed === 1);
    expect(metric?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Kvorum', Metrics: [{ Name: 'DistributionDeadlineMissed', Unit: 'Count' }] });
    expect(metric?.meetingId).toBe(id);

    // Once SES works again, the secretary resumes the meeting: the protocol goes out (late, recorded).
    expect((await h.admin('POST', `/admin/meetings/${id}/resume`, {}, g.chair)).status).toBe(200);
    // A send whose outcome SES left unknown (a 503) is retried once its lease ends, within the hour a
    // resume grants past the deadline.
    await h.advanceToNext();
    const resumed = await meeting(h, id, g.secretary);
    expect(resumed.meeting.phase).toBe('distributed');
    for (const m of g.members) expect((await h.mailsTo(m.email)).filter((x) => /^Протокол №/.test(x.subject))).toHaveLength(1);
    expect(resumed.audit.find((a: any) => a.action === 'protocol-distributed')?.detail.late).toBe(true);
    // Only a failed meeting can be resumed.
    expect((await h.admin('POST', `/admin/meetings/${id}/resume`, {}, g.secretary)).status).toBe(409);
  });
});
