import pMap from 'p-map';
import { realPacer, type Pacer } from '../lib/pacer.ts';
import type { Member } from '../domain/types.ts';
import type { Deps } from './deps.ts';
import { linksByMember, type LinkRequest } from './links.ts';

/**
 * Per-recipient steps (call for proposals, notice, ballots, reminders, signature requests,
 * distribution, cancellation) over rosters of thousands: recipients go in roster order, in chunks,
 * a few at a time, no faster than the group's send rate, and the step stops before its task runs out
 * of time. What it reports is carried by the state machine into the next invocation of the same task
 * (workflows/meeting.asl.json loops while `done` is false), which continues from the cursor.
 *
 * History: each further invocation adds at most 9 events to the execution (the Task's 5, a Pass's 2, the
 * Choice's 2). A 60 s task at 14 e-mails a second does 700 recipients, so a step costs about 13
 * events per 1,000 recipients (130 at 1 e-mail a second), far below the 25,000-event limit.
 */
export interface FanOutProgress {
  /** Which step the cursor belongs to (a cursor of another step is never continued). */
  step: string;
  /** Every recipient is done: the state machine moves on. */
  done: boolean;
  /** Key of the first recipient not done yet; '' when done. */
  cursor: string;
  /** E-mails this step sent so far, over all its invocations. */
  sent: number;
}

/** How long the current invocation may still run (Lambda's context.getRemainingTimeInMillis). */
export interface TimeBudget {
  remainingMs(): number;
}

/** Where an invocation of a step starts: the progress the previous one reported, and its time. */
export interface Invocation {
  fanOut?: FanOutProgress;
  budget?: TimeBudget;
}

export interface FanOutJob<T, P> {
  /** Which step this is (tags the cursor). */
  step: string;
  /** Everyone the step may write to, in roster order; stable between invocations. */
  recipients: readonly T[];
  /** A recipient's stable key (member id, `invitee:<id>`): the cursor names the next one. */
  keyOf(recipient: T): string;
  /** Recipients left out are passed over without pacing (evaluated again by every invocation). */
  wanted?(recipient: T): boolean;
  /** Runs once per chunk before its recipients: e.g. issues their links with one batch read. */
  prepare?(chunk: T[]): Promise<P>;
  /** Handles one recipient; true when an e-mail went out (counted in `sent`). */
  send(recipient: T, prepared: P): Promise<boolean>;
  /** E-mails per second (the group's sendRatePerSecond). */
  ratePerSecond: number;
  chunkSize?: number;
  concurrency?: number;
}

/** A chunk is also one BatchGetItem of links (at most 100 keys). */
export const FAN_OUT_CHUNK = 100;
/** Kept back from the time budget: for the sends in flight and the step's own writes afterwards. */
export const FAN_OUT_RESERVE_MS = 10_000;
/** Sends in flight: enough to reach the rate at ~250 ms per recipient (link, ledger, SES), at most 32. */
export const fanOutConcurrency = (ratePerSecond: number): number => Math.min(32, Math.max(2, Math.ceil(ratePerSecond / 4)));

const pacerOf = (deps: Deps): Pacer => deps.pacer ?? realPacer;

/**
 * Runs `job` from where `invocation.fanOut` stopped (or from the start) until every recipient is done
 * or the budget is nearly spent; at least one recipient per invocation, so a loop always ends. A
 * recipient that throws stops the run once the sends in flight have settled, and the error is thrown:
 * the step is retried from the same cursor (the mailer's ledger skips what was already sent).
 */
export async function fanOut<T, P = undefined>(deps: Deps, invocation: Invocation, job: FanOutJob<T, P>): Promise<FanOutProgress> {
  const pacer = pacerOf(deps);
  const from = invocation.fanOut;
  const continuing = from !== undefined && !from.done && from.step === job.step;
  // A recipient no longer on the roster: start again from the top (nothing is sent twice).
  const resumeAt = continuing ? job.recipients.findIndex((r) => job.keyOf(r) === from.cursor) : 0;
  let position = Math.max(0, resumeAt);
  let sent = continuing ? from.sent : 0;

  const interval = 1000 / Math.max(1, job.ratePerSecond);
  const stopAt = invocation.budget ? pacer.now() + invocation.budget.remainingMs() - FAN_OUT_RESERVE_MS : Infinity;
  let nextSlot = pacer.now();
  let started = 0;
  /** The wait before the next send, or null when its slot is past the budget (never for the first). */
  const reserveSlot = (): number | null => {
    const now = pacer.now();
    const slot = Math.max(nextSlot, now);
    if (slot > stopAt && started > 0) return null;
    nextSlot = slot + interval;
    started++;
    return slot - now;
  };

  const chunkSize = job.chunkSize ?? FAN_OUT_CHUNK;
  const concurrency = job.concurrency ?? fanOutConcurrency(job.ratePerSecond);
  const wanted = job.wanted ?? (() => true);
  while (position < job.recipients.length) {
    const chunk: { recipient: T; position: number }[] = [];
    let scanned = position;
    for (; scanned < job.recipients.length && chunk.length < chunkSize; scanned++) {
      const recipient = job.recipients[scanned]!;
      if (wanted(recipient)) chunk.push({ recipient, position: scanned });
    }
    if (chunk.length === 0) {
      position = scanned;
      break;
    }
    if (started > 0 && Math.max(nextSlot, pacer.now()) > stopAt) break;
    const prepared = (job.prepare ? await job.prepare(chunk.map((c) => c.recipient)) : undefined) as P;
    let stoppedAt = chunk.length;
    let failure: { error: unknown } | undefined;
    await pMap(
      chunk,
      async ({ recipient }, index) => {
        if (failure || index >= stoppedAt) return;
        const wait = reserveSlot();
        if (wait === null) {
          stoppedAt = Math.min(stoppedAt, index);
          return;
        }
        if (wait > 0) await pacer.sleep(wait);
        try {
          if (await job.send(recipient, prepared)) sent++;
        } catch (error) {
          failure ??= { error };
        }
      },
      { concurrency },
    );
    if (failure) throw failure.error;
    if (stoppedAt < chunk.length) {
      position = chunk[stoppedAt]!.position;
      return { step: job.step, done: false, cursor: job.keyOf(job.recipients[position]!), sent };
    }
    position = scanned;
  }
  if (position < job.recipients.length) return { step: job.step, done: false, cursor: job.keyOf(job.recipients[position]!), sent };
  return { step: job.step, done: true, cursor: '', sent };
}

/**
 * The common fan-out: members of a group, in roster order, each with their personal link of one purpose
 * (issued per chunk with one batch read), at the group's send rate.
 */
export function fanOutToMembers(
  deps: Deps,
  invocation: Invocation,
  group: { settings: { sendRatePerSecond: number } },
  job: Pick<FanOutJob<Member, never>, 'step' | 'recipients' | 'wanted'> & { link: Omit<LinkRequest, 'memberId'>; send(member: Member, url: string): Promise<boolean> },
): Promise<FanOutProgress> {
  return fanOut(deps, invocation, {
    step: job.step,
    recipients: job.recipients,
    keyOf: (member) => member.id,
    ...(job.wanted ? { wanted: job.wanted } : {}),
    ratePerSecond: group.settings.sendRatePerSecond,
    prepare: (chunk) => linksByMember(deps, chunk.map((m) => m.id), job.link),
    send: (member, links) => job.send(member, links.get(member.id)!),
  });
}
