import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FanOutProgress } from '../../../functions/app/fan-out.ts';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { taskHandlers } from '../../../functions/manifest.ts';
import { LocalStepFunctions, type TaskHandler } from '../../../workflows/local/runtime.ts';

/**
 * The real workflows/meeting.asl.json on the local Step Functions, with stand-in tasks: every
 * per-recipient task says twice that it has recipients left. The definition must invoke it again with
 * the cursor it returned, move on when it is done, and start the next step from nothing in progress.
 */
const definition = readFileSync(new URL('../../../workflows/meeting.asl.json', import.meta.url), 'utf8');
const PAST = '2026-03-01T00:00:00Z';
const INVOCATIONS_PER_STEP = 3;

const runtimes: LocalStepFunctions[] = [];
afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.shutdown();
});

type Payload = { meetingId: string; revision: number; kind?: string; action?: string; phase?: string; stage?: string; taskToken?: string; fanOut?: FanOutProgress };

/** Runs one execution to its end; `answer` says which waiting phases complete their token. */
async function runMeeting(options: { quorum: boolean; answer: (p: Payload) => boolean }) {
  const clock = new ManualClock('2026-03-02T06:00:00Z');
  const calls: { task: string; payload: Payload }[] = [];
  let runtime!: LocalStepFunctions;
  const timing = { untilReminderSeconds: 60, untilDeadlineSeconds: 120 };
  const results: Record<string, (p: Payload) => unknown> = {
    LoadMeeting: (p) => ({ meetingId: p.meetingId, revision: p.revision, phase: 'convened', deadlines: { proposalsClose: PAST, agendaApproval: PAST, notice: PAST, opinions: PAST, voteOpens: PAST, voteCloses: PAST }, reminders: { opinions: PAST } }),
    AwaitCallback: (p) => {
      if (options.answer(p)) setImmediate(() => runtime.sendTaskSuccess(p.taskToken!, JSON.stringify({ phase: p.phase })));
      return { stored: true };
    },
    CloseVoting: () => ({ quorum: options.quorum, participants: 1, members: 2 }),
    FinaliseProtocol: () => ({ restarted: false, signedAt: PAST, distributionDeadline: null, missingSignatures: [] }),
    RequestApproval: () => timing,
    SendReminder: () => ({ sent: 1, ...timing }),
    RequestSignatures: () => timing,
    SendNotice: (p) => ({ meetingId: p.meetingId, revision: p.revision, phase: 'notified', deadlines: { opinions: PAST, voteOpens: PAST, voteCloses: PAST }, reminders: { opinions: PAST } }),
  };
  const handlers: Record<string, TaskHandler> = {};
  for (const spec of taskHandlers) {
    const name = spec.aslName!;
    handlers[`${name}Arn`] = async (input) => {
      const payload = input as Payload;
      calls.push({ task: name, payload });
      const result = (results[name]?.(payload) ?? {}) as Record<string, unknown>;
      if (!payload.fanOut) return result;
      // A step of its own: the tag names the task and what it was asked (reminder kind, tally action).
      const step = [name, payload.kind, payload.action].filter(Boolean).join(':');
      const previous = payload.fanOut.step === step && !payload.fanOut.done ? Number(payload.fanOut.cursor.slice(1)) : 0;
      const invocation = previous + 1;
      const done = invocation === INVOCATIONS_PER_STEP;
      return { ...result, fanOut: { step, done, cursor: done ? '' : `c${invocation}`, sent: invocation * 10 } };
    };
  }
  runtime = new LocalStepFunctions({ clock, resolveTask: (name) => handlers[name], retryIntervalMs: 0 });
  runtimes.push(runtime);
  const arn = runtime.registerStateMachine('kvorum-meeting', definition);
  const { executionArn } = runtime.startExecution(arn, 'm-1-r1', JSON.stringify({ meetingId: 'm-1', revision: 1, resumeAt: 'start' }));
  for (let i = 0; i < 50 && runtime.describeExecution(executionArn).status === 'RUNNING'; i++) {
    await runtime.whenIdle();
    const next = runtime.nextWakeUp();
    if (next) clock.set(next);
  }
  return { calls, execution: runtime.describeExecution(executionArn) };
}

/** The fan-out tasks in the order they ran, each with the progress its invocations were given. */
function fanOutSteps(calls: { task: string; payload: Payload }[]) {
  const steps: { task: string; given: (FanOutProgress | undefined)[] }[] = [];
  for (const { task: name, payload } of calls.filter((c) => c.payload.fanOut)) {
    const task = [name, payload.kind].filter(Boolean).join(':');
    const current = steps.at(-1);
    const continues = payload.fanOut && !payload.fanOut.done;
    if (current && current.task === task && continues) current.given.push(payload.fanOut);
    else steps.push({ task, given: [payload.fanOut] });
  }
  return steps;
}

describe('per-recipient steps in chunks, on the real definition', () => {
  it('invokes each fan-out task again with its cursor until it is done, then moves on', async () => {
    const { calls, execution } = await runMeeting({ quorum: true, answer: (p) => p.stage === 'final' });
    expect(execution.status).toBe('SUCCEEDED');
    const steps = fanOutSteps(calls);
    expect(steps.map((s) => s.task)).toEqual([
      'OpenProposals',
      'RequestApproval',
      'SendReminder:approval',
      'SendNotice',
      'SendReminder:opinions',
      'OpenVoting',
      'Tally',
      'RequestSignatures',
      'SendReminder:signatures',
      'Distribute',
    ]);
    for (const step of steps) {
      expect(step.given, step.task).toHaveLength(INVOCATIONS_PER_STEP);
      // The first invocation gets nothing in progress (the previous step's finished progress, or the start).
      expect(step.given[0]?.done, step.task).toBe(true);
      expect(step.given.slice(1).map((g) => [g?.done, g?.cursor, g?.sent]), step.task).toEqual([
        [false, 'c1', 10],
        [false, 'c2', 20],
      ]);
    }
    expect(steps[0]!.given[0]).toEqual({ step: '', done: true, cursor: '', sent: 0 });
  });

  it('loops the no-quorum notices and the cancellation the same way', async () => {
    const noQuorum = await runMeeting({ quorum: false, answer: (p) => p.stage === 'final' });
    expect(noQuorum.execution.status).toBe('SUCCEEDED');
    expect(noQuorum.calls.filter((c) => c.task === 'Tally').map((c) => [c.payload.action, c.payload.fanOut?.cursor])).toEqual([
      ['no-quorum', ''],
      ['no-quorum', 'c1'],
      ['no-quorum', 'c2'],
    ]);
    const cancelled = await runMeeting({ quorum: true, answer: () => false });
    expect(cancelled.execution.status).toBe('SUCCEEDED');
    expect(cancelled.calls.filter((c) => c.task === 'CancelMeeting').map((c) => c.payload.fanOut?.cursor)).toEqual(['', 'c1', 'c2']);
    expect(cancelled.calls.some((c) => c.task === 'SendNotice')).toBe(false);
  });
});
