import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resumeAtFor } from '../../../functions/app/steps/execution.ts';
import type { MeetingPhase } from '../../../functions/domain/types.ts';
import { taskEvent } from '../../../functions/tasks/task.ts';
import { russianCalendar } from '../../../functions/calendar/index.ts';
import { distributionDeadline } from '../../../functions/domain/deadlines.ts';

/**
 * The ONE state machine definition, read as data: the properties issue 4 §1 asks of it, and its
 * agreement with the code that feeds it (task payloads, resume points).
 */
type State = Record<string, any>;
/** A cycle as it starts at its Task state (the walk may enter a loop at its Choice). */
const rotateToTask = (cycle: string[]): string[] => {
  const at = cycle.findIndex((n) => asl.States[n]?.Type === 'Task');
  return at < 0 ? cycle : [...cycle.slice(at), ...cycle.slice(0, at)];
};
const asl = JSON.parse(readFileSync(new URL('../../../workflows/meeting.asl.json', import.meta.url), 'utf8')) as { StartAt: string; States: Record<string, State> };
const states = Object.entries(asl.States);
const tasks = states.filter(([, s]) => s.Type === 'Task');

describe('workflows/meeting.asl.json', () => {
  it('every task retries transient Lambda and SES errors and catches everything else', () => {
    for (const [name, state] of tasks) {
      const retried = (state.Retry ?? []).flatMap((r: State) => r.ErrorEquals);
      expect(retried, name).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'TransientError']));
      const caught = (state.Catch ?? []).flatMap((c: State) => c.ErrorEquals);
      expect(caught, name).toContain('States.ALL');
    }
  });

  it('a failure goes to RecordFailure (which tells the secretary), a stale revision ends cleanly', () => {
    for (const [name, state] of tasks.filter(([n]) => n !== 'RecordFailure')) {
      const targets = Object.fromEntries((state.Catch as State[]).map((c) => [c.ErrorEquals.join(','), c.Next]));
      expect(targets.MeetingSuperseded, name).toBe('Superseded');
      expect(Object.values(targets), name).toEqual(expect.arrayContaining([expect.stringMatching(/^(RecordFailure|WaitBeforeDistributionRetry)$/)]));
    }
    expect(asl.States.Superseded?.Type).toBe('Succeed');
    expect(asl.States.RecordFailure?.Catch[0].Next).toBe('Failed');
  });

  it('every deadline is a timed state: Waits on timestamps, callbacks with a timeout and a timeout path', () => {
    const waits = states.filter(([, s]) => s.Type === 'Wait');
    expect(waits.map(([n]) => n)).toEqual(expect.arrayContaining(['WaitProposalsClose', 'WaitOpinionsDeadline', 'WaitMeetingStart', 'WaitVoteClose']));
    for (const [name, s] of waits) expect(s.TimestampPath ?? s.Seconds ?? s.SecondsPath, name).toBeDefined();
    const callbacks = tasks.filter(([, s]) => String(s.Resource).endsWith('.waitForTaskToken'));
    expect(callbacks.map(([n]) => n).sort()).toEqual(['AwaitApproval', 'AwaitApprovalFinal', 'AwaitSignatures', 'AwaitSignaturesFinal']);
    for (const [name, s] of callbacks) {
      expect(s.TimeoutSecondsPath, name).toMatch(/^\$\.t\.value\.until(Reminder|Deadline)Seconds$/);
      expect(s.Catch[0].ErrorEquals, name).toEqual(['States.Timeout']);
      expect(s.Parameters.Payload['taskToken.$'], name).toBe('$$.Task.Token');
    }
  });

  it('every payload the definition sends is one the task handlers accept', () => {
    const accepted = Object.keys(taskEvent.shape);
    for (const [name, state] of tasks) {
      for (const key of Object.keys(state.Parameters.Payload)) expect(accepted, `${name}: ${key}`).toContain(key.replace(/\.\$$/, ''));
    }
  });

  it('every phase a meeting can be resumed from has its entry in the ResumeAt choice', () => {
    const choice = asl.States.ResumeAt!;
    const entries = new Set((choice.Choices as State[]).map((c) => c.StringEquals));
    const phases: MeetingPhase[] = ['convened', 'agenda-proposals', 'agenda-approval', 'notified', 'in-session', 'voting-closed', 'protocol-signing', 'finalised'];
    for (const phase of phases) {
      const at = resumeAtFor(phase);
      expect(at, phase).not.toBeNull();
      if (at !== 'start') expect(entries.has(at!), phase).toBe(true);
    }
    expect(choice.Default).toBe('OpenProposals');
    for (const phase of ['distributed', 'cancelled', 'failed'] as MeetingPhase[]) expect(resumeAtFor(phase)).toBeNull();
  });

  it('RequestSignatures waits a day and tries again while the calendar lacks the year of its deadline', () => {
    const request = asl.States.RequestSignatures!;
    const calendarCatch = (request.Catch as State[]).findIndex((c) => c.ErrorEquals.includes('CalendarYearMissing'));
    const catchAll = (request.Catch as State[]).findIndex((c) => c.ErrorEquals.includes('States.ALL'));
    expect(calendarCatch).toBeGreaterThanOrEqual(0);
    expect(calendarCatch).toBeLessThan(catchAll);
    expect((request.Catch as State[])[calendarCatch]!.Next).toBe('WaitForCalendar');
    expect(asl.States.WaitForCalendar).toMatchObject({ Type: 'Wait', Seconds: 86400, Next: 'RequestSignatures' });
  });

  it('every per-recipient task runs in chunks: it gets $.fanOut and is invoked again while it reports more to do', () => {
    const fanOutTasks = tasks.filter(([, s]) => s.Parameters.Payload['fanOut.$'] !== undefined).map(([n]) => n);
    expect(fanOutTasks.sort()).toEqual(
      ['ApprovalReminder', 'CancelNotApproved', 'Distribute', 'NoQuorum', 'OpenProposals', 'OpenVoting', 'OpinionsReminder', 'RequestApproval', 'RequestSignatures', 'SendNotice', 'SignaturesReminder', 'Tally'].sort(),
    );
    for (const name of fanOutTasks) {
      const task = asl.States[name]!;
      expect(task.Parameters.Payload['fanOut.$'], name).toBe('$.fanOut');
      let next = asl.States[task.Next]!;
      if (task.ResultPath === '$.fanOut') {
        // The task's result is only its progress.
        expect(task.ResultSelector, name).toEqual({ 'step.$': '$.Payload.fanOut.step', 'done.$': '$.Payload.fanOut.done', 'cursor.$': '$.Payload.fanOut.cursor', 'sent.$': '$.Payload.fanOut.sent' });
      } else {
        // The result goes where later states read it; a Pass copies its progress to $.fanOut.
        expect(task.ResultSelector, name).toEqual({ 'value.$': '$.Payload' });
        expect(next, name).toMatchObject({ Type: 'Pass', InputPath: `${task.ResultPath}.value.fanOut`, ResultPath: '$.fanOut' });
        next = asl.States[next.Next]!;
      }
      expect(next.Type, name).toBe('Choice');
      expect(next.Choices, name).toEqual([{ Variable: '$.fanOut.done', BooleanEquals: false, Next: name }]);
      expect(next.Default, name).not.toBe(name);
    }
    // Every execution starts with nothing in progress, before any per-recipient task can run.
    expect(asl.States.Convene!.Next).toBe('InitFanOut');
    expect(asl.States.InitFanOut).toMatchObject({ Type: 'Pass', Result: { step: '', done: true, cursor: '', sent: 0 }, ResultPath: '$.fanOut', Next: 'ResumeAt' });
  });

  it('has no unreachable state and no loop without a timed state', () => {
    const reachable = new Set<string>();
    const visit = (name: string) => {
      if (reachable.has(name)) return;
      reachable.add(name);
      const s = asl.States[name]!;
      for (const next of [s.Next, s.Default, ...(s.Choices ?? []).map((c: State) => c.Next), ...(s.Catch ?? []).map((c: State) => c.Next)]) if (next) visit(next);
    };
    visit(asl.StartAt);
    expect([...reachable].sort()).toEqual(Object.keys(asl.States).sort());
    // Every cycle passes through a Wait (a retry after a pause, never a polling loop): the distribution
    // retry, and the daily retry of the signature phase while the calendar lacks its year — or through a
    // callback with a timeout (the signature restart below). The only other
    // cycles are the fan-out loops: a task invoked again while it reports recipients left (each
    // invocation does at least one, so the loop ends; see the test above and test/unit/app/fan-out).
    const nextOf = (s: State): string[] =>
      [s.Next, s.Default, ...(s.Choices ?? []).map((c: State) => c.Next), ...(s.Catch ?? []).map((c: State) => c.Next)].filter(Boolean);
    const cycles: string[][] = [];
    const walk = (name: string, path: string[]) => {
      const at = path.indexOf(name);
      if (at >= 0) {
        cycles.push(path.slice(at));
        return;
      }
      for (const next of nextOf(asl.States[name]!)) walk(next, [...path, name]);
    };
    walk(asl.StartAt, []);
    const isFanOutLoop = (cycle: string[]) => cycle.every((n) => n === cycle[0] || n === `${cycle[0]}Progress` || n === `${cycle[0]}AllDone`);
    const timed = cycles.filter((c) => !isFanOutLoop(rotateToTask(c)));
    const distinct = new Set(timed.map((c) => [...c].sort().join('>')));
    // The signature phase restarts for a version made after the last signature (issue 10): that loop
    // waits in the signature callbacks, which end only when a person signs or the deadline comes.
    const restart = 'AwaitSignatures>FinaliseProtocol>RequestSignatures>RequestSignaturesAllDone>RequestSignaturesProgress>SignaturesRestarted';
    const restartAfterReminder = 'AwaitSignatures>AwaitSignaturesFinal>FinaliseProtocol>RequestSignatures>RequestSignaturesAllDone>RequestSignaturesProgress>SignaturesReminder>SignaturesReminderAllDone>SignaturesReminderProgress>SignaturesRestarted';
    const distributionRetries = ['Doubled', 'Longest'].map((delay) => `${delay}DistributionRetryDelay>Distribute>NextDistributionRetryDelay>WaitBeforeDistributionRetry`.split('>').sort().join('>'));
    expect([...distinct].sort()).toEqual([restartAfterReminder, restart, ...distributionRetries, 'RequestSignatures>WaitForCalendar'].sort());
    const isTimed = (n: string) => asl.States[n]!.Type === 'Wait' || (asl.States[n]!.TimeoutSecondsPath !== undefined && String(asl.States[n]!.Resource).endsWith('.waitForTaskToken'));
    for (const cycle of timed) expect(cycle.some(isTimed), cycle.join(' → ')).toBe(true);
    expect(cycles.filter((c) => isFanOutLoop(rotateToTask(c))).length).toBeGreaterThan(0);
  });
});

describe('the distribution retry loop and the 25,000 history events of a Standard execution', () => {
  /** The waits the loop makes, as the definition computes them (Choice, then one of the Pass states). */
  function retryDelays(count: number): number[] {
    const delays: number[] = [];
    let seconds = asl.States.StartDistribution!.Result.seconds as number;
    expect(asl.States.StartDistribution!.Next).toBe('Distribute');
    for (let i = 0; i < count; i++) {
      const choice = asl.States.NextDistributionRetryDelay!;
      const [longest] = choice.Choices as State[];
      const pass = asl.States[seconds >= longest!.NumericGreaterThanEquals ? longest!.Next : choice.Default]!;
      if (pass.Result) seconds = pass.Result.seconds as number;
      else {
        expect(pass.Parameters['seconds.$']).toBe('States.MathAdd($.distributionRetry.seconds, $.distributionRetry.seconds)');
        seconds *= 2;
      }
      delays.push(seconds);
    }
    return delays;
  }

  it('backs off from 10 minutes to hourly', () => {
    expect(retryDelays(7)).toEqual([600, 1200, 2400, 3600, 3600, 3600, 3600]);
    expect(asl.States.WaitBeforeDistributionRetry!.SecondsPath).toBe('$.distributionRetry.seconds');
  });

  it('keeps a distribution retried until its deadline under 25,000 events for every signing day of the calendar', () => {
    const distribute = asl.States.Distribute!;
    const attemptsPerLoop = 1 + Math.max(...(distribute.Retry as State[]).map((r) => r.MaxAttempts as number));
    // Per loop: the Task entered, then per attempt scheduled + started + failed; the Choice, the Pass and
    // the Wait each entered and exited. (Generous: Step Functions logs fewer for a caught failure.)
    const eventsPerLoop = 1 + 3 * attemptsPerLoop + 2 * 3;
    // Everything before the distribution: each state's events at most 10 times over (fan-out loops,
    // reminders, a signature restart), a generous bound for a meeting.
    const beforeDistribution = 10 * 6 * Object.keys(asl.States).length;
    const calendar = russianCalendar;
    const delays = retryDelays(5_000);
    let worst = { events: 0, day: '', days: 0 };
    for (let t = Date.parse('2024-01-01T09:00:00Z'); t < Date.parse('2027-12-20T09:00:00Z'); t += 86_400_000) {
      const signed = new Date(t);
      const deadline = Date.parse(distributionDeadline(signed, 'Europe/Moscow', calendar));
      let at = t;
      let loops = 0;
      while (at < deadline) at += delays[loops++]! * 1000;
      const events = beforeDistribution + loops * eventsPerLoop;
      if (events > worst.events) worst = { events, day: signed.toISOString().slice(0, 10), days: Math.round((deadline - t) / 86_400_000) };
    }
    // The longest windows are the New Year holidays (19 days from 24 December 2025).
    expect(worst.days).toBeGreaterThanOrEqual(12);
    expect(worst.events, `signed ${worst.day}: ${worst.days} days to the deadline`).toBeLessThan(20_000);
  });
});
