import { describe, expect, it } from 'vitest';
import type { Deps } from '../../../functions/app/deps.ts';
import { FAN_OUT_RESERVE_MS, fanOut, type FanOutJob, type FanOutProgress, type Invocation } from '../../../functions/app/fan-out.ts';
import { VirtualPacer } from '../../../functions/lib/pacer.ts';

/**
 * The fan-out of per-recipient steps (functions/app/fan-out.ts) on virtual time: pacing sleeps on a
 * VirtualPacer, so the rate is checked exactly and nothing waits for real.
 */
const roster = (n: number) => Array.from({ length: n }, (_, i) => `m${String(i + 1).padStart(4, '0')}`);
const tick = () => new Promise((resolve) => setImmediate(resolve));

function world(rate = 14) {
  const pacer = new VirtualPacer();
  const deps = { pacer } as unknown as Deps;
  const started: { id: string; at: number }[] = [];
  const job = (recipients: string[], overrides: Partial<FanOutJob<string, unknown>> = {}): FanOutJob<string, unknown> => ({
    step: 'notice',
    recipients,
    keyOf: (id) => id,
    ratePerSecond: rate,
    send: async (id) => {
      started.push({ id, at: pacer.now() });
      await tick();
      return true;
    },
    ...overrides,
  });
  /** A budget that leaves `ms` of sending after the reserve. */
  const budget = (ms: number) => ({ remainingMs: () => FAN_OUT_RESERVE_MS + ms });
  return { pacer, deps, started, job, budget };
}

describe('fanOut', () => {
  it('goes through the recipients in roster order and reports done', async () => {
    const w = world();
    const recipients = roster(250);
    const progress = await fanOut(w.deps, {}, w.job(recipients, { concurrency: 5 }));
    expect(w.started.map((s) => s.id)).toEqual(recipients);
    expect(progress).toEqual({ step: 'notice', done: true, cursor: '', sent: 250 });
  });

  it('keeps at most `concurrency` recipients in flight, and uses them', async () => {
    const w = world(1000);
    let inFlight = 0;
    let most = 0;
    await fanOut(w.deps, {}, w.job(roster(60), {
      concurrency: 4,
      send: async () => {
        most = Math.max(most, ++inFlight);
        for (let i = 0; i < 5; i++) await tick();
        inFlight--;
        return true;
      },
    }));
    expect(most).toBe(4);
  });

  it.each([
    [14, 1],
    [14, 8],
    [3, 2],
  ])('starts no more than %i e-mails a second (concurrency %i), and no slower', async (rate, concurrency) => {
    const w = world(rate);
    await fanOut(w.deps, {}, w.job(roster(40), { concurrency }));
    const times = w.started.map((s) => s.at);
    const interval = 1000 / rate;
    expect(times[0]).toBe(0);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeCloseTo(interval, 6);
    // Any window of one second holds at most `rate` starts.
    for (let i = 0; i + rate < times.length; i++) expect(times[i + rate]! - times[i]!).toBeGreaterThanOrEqual(1000 - 1e-6);
  });

  it('stops before the budget runs out and the next invocation continues from the cursor: everyone once, in order', async () => {
    const w = world(10);
    const recipients = roster(95);
    const invocations: FanOutProgress[] = [];
    let invocation: Invocation = {};
    do {
      const progress = await fanOut(w.deps, { ...invocation, budget: w.budget(2000) }, w.job(recipients, { concurrency: 3 }));
      invocations.push(progress);
      invocation = { fanOut: progress };
    } while (!invocations.at(-1)!.done);
    // Slots at 0, 100, …, 2000 ms of each invocation's budget: 21 recipients an invocation.
    expect(invocations.map((p) => [p.done, p.cursor, p.sent])).toEqual([
      [false, 'm0022', 21],
      [false, 'm0043', 42],
      [false, 'm0064', 63],
      [false, 'm0085', 84],
      [true, '', 95],
    ]);
    expect(w.started.map((s) => s.id)).toEqual(recipients);
  });

  it('does at least one recipient per invocation, however little time is left', async () => {
    const w = world(14);
    const progress = await fanOut(w.deps, { budget: { remainingMs: () => 0 } }, w.job(roster(3)));
    expect(progress).toMatchObject({ done: false, cursor: 'm0002', sent: 1 });
  });

  it('passes over recipients not wanted, without pacing them; the cursor still names roster entries', async () => {
    const w = world(10);
    const recipients = roster(30);
    const wanted = (id: string) => Number(id.slice(1)) % 3 === 0;
    const first = await fanOut(w.deps, { budget: w.budget(300) }, w.job(recipients, { wanted }));
    expect(w.started.map((s) => s.id)).toEqual(['m0003', 'm0006', 'm0009', 'm0012']);
    expect(w.started.map((s) => s.at)).toEqual([0, 100, 200, 300]);
    expect(first).toMatchObject({ done: false, cursor: 'm0015', sent: 4 });
    const second = await fanOut(w.deps, { fanOut: first }, w.job(recipients, { wanted }));
    expect(second).toEqual({ step: 'notice', done: true, cursor: '', sent: 10 });
    expect(w.started.map((s) => s.id)).toEqual(recipients.filter(wanted));
  });

  it('never continues the cursor of another step, nor a finished one', async () => {
    const w = world();
    const stale = { step: 'proposals-call', done: false, cursor: 'm0003', sent: 2 };
    expect(await fanOut(w.deps, { fanOut: stale }, w.job(roster(4)))).toEqual({ step: 'notice', done: true, cursor: '', sent: 4 });
    const finished = { step: 'notice', done: true, cursor: '', sent: 4 };
    expect(await fanOut(w.deps, { fanOut: finished }, w.job(roster(4)))).toMatchObject({ done: true, sent: 4 });
    expect(w.started).toHaveLength(8);
  });

  it('starts again from the top when the recipient at the cursor left the roster (the ledger skips what was sent)', async () => {
    const w = world();
    const progress = await fanOut(w.deps, { fanOut: { step: 'notice', done: false, cursor: 'gone', sent: 7 } }, w.job(roster(3)));
    expect(w.started.map((s) => s.id)).toEqual(['m0001', 'm0002', 'm0003']);
    expect(progress).toMatchObject({ done: true, sent: 10 });
  });

  it('prepares each chunk once, before its recipients, and counts only e-mails that went out', async () => {
    const w = world(1000);
    const chunks: string[][] = [];
    const progress = await fanOut(w.deps, {}, w.job(roster(25), {
      chunkSize: 10,
      prepare: async (chunk) => {
        chunks.push(chunk);
        return new Set(chunk);
      },
      send: async (id, prepared) => {
        expect((prepared as Set<string>).has(id)).toBe(true);
        return Number(id.slice(1)) % 2 === 0;
      },
    }));
    expect(chunks.map((c) => [c[0], c.length])).toEqual([['m0001', 10], ['m0011', 10], ['m0021', 5]]);
    expect(progress.sent).toBe(12);
  });

  it('a recipient that fails: the ones in flight finish, no new one starts, the error is thrown', async () => {
    const w = world(1000);
    const settled: string[] = [];
    const run = fanOut(w.deps, {}, w.job(roster(50), {
      concurrency: 4,
      send: async (id) => {
        for (let i = 0; i < 3; i++) await tick();
        if (id === 'm0006') throw Object.assign(new Error('SES says no'), { name: 'ThrottlingException' });
        settled.push(id);
        return true;
      },
    }));
    await expect(run).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(settled).toEqual(expect.arrayContaining(['m0001', 'm0002', 'm0003', 'm0004', 'm0005']));
    expect(settled.length).toBeLessThanOrEqual(9);
    expect(settled).not.toContain('m0020');
  });
});
