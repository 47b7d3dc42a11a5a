import { afterEach, describe, expect, it } from 'vitest';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { errorNameOf, lambdaArn, startHarness, type Harness } from './harness.ts';

const T0 = '2026-03-10T07:00:00.000Z';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function describeExecution(executionArn: string) {
  return harness!.sfn.send(new DescribeExecutionCommand({ executionArn }));
}

async function start(stateMachineArn: string, name: string, input: unknown): Promise<string> {
  const started = await harness!.sfn.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  return started.executionArn!;
}

const catchTargets = {
  Cancelled: { Type: 'Pass', Result: 'cancelled', ResultPath: '$.outcome', End: true },
  TimedOut: { Type: 'Pass', Result: 'timed out', ResultPath: '$.outcome', End: true },
  WrongBranch: { Type: 'Fail', Error: 'WrongBranch' },
};

/** A callback task: the handler only records the token it was given. */
function callbackDefinition(extra: Record<string, unknown> = {}, catches: unknown[] = []): string {
  return JSON.stringify({
    StartAt: 'AskForVote',
    States: {
      AskForVote: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: '${AskArn}',
          Payload: { 'token.$': '$$.Task.Token', 'item.$': '$.item', note: 'static' },
        },
        ResultPath: '$.answer',
        ...extra,
        ...(catches.length > 0 && { Catch: catches }),
        Next: 'Report',
      },
      Report: {
        Type: 'Task',
        Resource: '${ReportArn}',
        End: true,
      },
      // Only the targets the catchers use (unreachable states are invalid, as in AWS).
      ...Object.fromEntries(
        Object.entries(catchTargets).filter(([name]) =>
          catches.some((c) => (c as { Next: string }).Next === name),
        ),
      ),
    },
  });
}

function callbackHarness(clock: ManualClock) {
  const asked: { token: string; item: unknown; note: unknown }[] = [];
  const reported: unknown[] = [];
  const handlers = {
    Ask: async (payload: unknown) => {
      asked.push(payload as (typeof asked)[number]);
      return { ignored: true };
    },
    Report: async (payload: unknown) => {
      reported.push(payload);
      return { reported: payload };
    },
  };
  return { asked, reported, handlers, substitutions: { AskArn: lambdaArn('Ask'), ReportArn: lambdaArn('Report') }, clock };
}

describe('Wait states on the shared clock', () => {
  it('finishes a TimestampPath wait only once the ManualClock reaches the instant', async () => {
    const clock = new ManualClock(T0);
    const recorded: unknown[] = [];
    harness = await startHarness(clock, {
      RecordArn: async (payload) => {
        recorded.push(payload);
        return { at: clock.now().toISOString() };
      },
    });
    const arn = harness.runtime.registerStateMachine(
      'wait-timestamp',
      JSON.stringify({
        StartAt: 'UntilDeadline',
        States: {
          UntilDeadline: { Type: 'Wait', TimestampPath: '$.deadline', Next: 'Record' },
          Record: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: '${RecordArn}', Payload: { 'deadline.$': '$.deadline' } },
            ResultSelector: { 'at.$': '$.Payload.at', 'status.$': '$.StatusCode' },
            ResultPath: '$.record',
            End: true,
          },
        },
      }),
    );
    const deadline = '2026-03-12T07:00:00.000Z';
    const executionArn = await start(arn, 'wait-1', { deadline, keep: 'me' });

    await harness.runtime.whenIdle();
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');
    expect(recorded).toEqual([]);
    expect(harness.runtime.nextWakeUp()?.toISOString()).toBe(deadline);

    clock.set('2026-03-12T06:59:59.999Z');
    await harness.runtime.whenIdle();
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    clock.set(deadline);
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    expect(JSON.parse(final.output!)).toEqual({ deadline, keep: 'me', record: { at: deadline, status: 200 } });
    expect(recorded).toEqual([{ deadline }]);
    expect(harness.runtime.nextWakeUp()).toBeUndefined();

    const described = await describeExecution(executionArn);
    expect(described.startDate?.toISOString()).toBe(T0);
    expect(described.stopDate?.toISOString()).toBe(deadline);
  });

  it('keeps InputPath/OutputPath semantics of a Seconds wait', async () => {
    const clock = new ManualClock(T0);
    harness = await startHarness(clock, {});
    const arn = harness.runtime.registerStateMachine(
      'wait-seconds',
      JSON.stringify({
        StartAt: 'Pause',
        States: { Pause: { Type: 'Wait', Seconds: 3600, InputPath: '$.inner', OutputPath: '$.value', End: true } },
      }),
    );
    const executionArn = await start(arn, 'seconds', { inner: { value: 42 }, other: 1 });
    await harness.runtime.whenIdle();
    expect(harness.runtime.nextWakeUp()?.toISOString()).toBe('2026-03-10T08:00:00.000Z');
    clock.advance(3_600_000);
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    expect(final.output).toBe('42');
  });
});

describe('.waitForTaskToken emulation', () => {
  it('passes a fresh token to the handler and continues with the SendTaskSuccess output', async () => {
    const clock = new ManualClock(T0);
    const c = callbackHarness(clock);
    harness = await startHarness(clock, c.handlers);
    const arn = harness.runtime.registerStateMachine('callback-success', callbackDefinition(), c.substitutions);
    const executionArn = await start(arn, 'vote-1', { item: 'budget' });

    await harness.runtime.whenIdle();
    expect(c.asked).toHaveLength(1);
    const { token, item, note } = c.asked[0]!;
    expect(item).toBe('budget');
    expect(note).toBe('static');
    expect(token).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(harness.runtime.pendingTasks(executionArn).map((t) => t.taskToken)).toEqual([token]);
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    await harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ vote: 'yes' }) }));
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    expect(c.reported).toEqual([{ item: 'budget', answer: { vote: 'yes' } }]);
    // Direct function-ARN Resource: the handler result is the task result (no Payload wrapper).
    expect(JSON.parse(final.output!)).toEqual({ reported: { item: 'budget', answer: { vote: 'yes' } } });

    // A token is good once; a malformed one is rejected as such.
    expect(
      await errorNameOf(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))),
    ).toBe('TaskTimedOut');
    expect(
      await errorNameOf(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' }))),
    ).toBe('InvalidToken');
  });

  it('routes SendTaskFailure through Catch by its error name', async () => {
    const clock = new ManualClock(T0);
    const c = callbackHarness(clock);
    harness = await startHarness(clock, c.handlers);
    const arn = harness.runtime.registerStateMachine(
      'callback-failure',
      callbackDefinition({}, [{ ErrorEquals: ['MeetingCancelled'], ResultPath: '$.failure', Next: 'Cancelled' }]),
      c.substitutions,
    );
    const executionArn = await start(arn, 'vote-2', { item: 'roads' });
    await harness.runtime.whenIdle();
    await harness.sfn.send(
      new SendTaskFailureCommand({ taskToken: c.asked[0]!.token, error: 'MeetingCancelled', cause: 'chair cancelled' }),
    );
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    expect(JSON.parse(final.output!)).toEqual({
      item: 'roads',
      failure: { Error: 'MeetingCancelled', Cause: 'chair cancelled' },
      outcome: 'cancelled',
    });
    expect(c.reported).toEqual([]);
  });

  it('fails a callback task with States.Timeout at TimeoutSecondsPath on the ManualClock (not matched by States.TaskFailed)', async () => {
    const clock = new ManualClock(T0);
    const c = callbackHarness(clock);
    harness = await startHarness(clock, c.handlers);
    const arn = harness.runtime.registerStateMachine(
      'callback-timeout',
      callbackDefinition({ TimeoutSecondsPath: '$.replyWithinSeconds' }, [
        { ErrorEquals: ['States.TaskFailed'], Next: 'WrongBranch' },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'TimedOut' },
      ]),
      c.substitutions,
    );
    const executionArn = await start(arn, 'vote-3', { item: 'parks', replyWithinSeconds: 86_400 });
    await harness.runtime.whenIdle();
    const deadline = '2026-03-11T07:00:00.000Z';
    expect(harness.runtime.nextWakeUp()?.toISOString()).toBe(deadline);

    clock.set('2026-03-11T06:59:59.000Z');
    await harness.runtime.whenIdle();
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    clock.set(deadline);
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    const output = JSON.parse(final.output!);
    expect(output.outcome).toBe('timed out');
    expect(output.failure.Error).toBe('States.Timeout');
    expect(
      await errorNameOf(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: c.asked[0]!.token, output: '{}' }))),
    ).toBe('TaskTimedOut');
  });

  it('resets the heartbeat deadline on SendTaskHeartbeat and fails with States.HeartbeatTimeout without it', async () => {
    const clock = new ManualClock(T0);
    const c = callbackHarness(clock);
    harness = await startHarness(clock, c.handlers);
    const arn = harness.runtime.registerStateMachine('callback-heartbeat', callbackDefinition({ HeartbeatSeconds: 60 }), c.substitutions);
    const executionArn = await start(arn, 'vote-4', { item: 'lights' });
    await harness.runtime.whenIdle();
    expect(harness.runtime.nextWakeUp()?.toISOString()).toBe('2026-03-10T07:01:00.000Z');

    clock.advance(50_000);
    await harness.sfn.send(new SendTaskHeartbeatCommand({ taskToken: c.asked[0]!.token }));
    expect(harness.runtime.nextWakeUp()?.toISOString()).toBe('2026-03-10T07:01:50.000Z');
    clock.advance(50_000); // past the first deadline, before the renewed one
    await harness.runtime.whenIdle();
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    clock.advance(10_000);
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(final.status).toBe('FAILED');
    expect(final.error).toBe('States.HeartbeatTimeout');
  });
});

describe('Retry and Catch of handler errors', () => {
  const definition = JSON.stringify({
    StartAt: 'OpenProposals',
    States: {
      OpenProposals: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${OpenProposalsArn}', 'Payload.$': '$' },
        ResultSelector: { 'Payload.$': '$.Payload' },
        OutputPath: '$.Payload',
        Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['MeetingMoved'], ResultPath: '$.moved', Next: 'Moved' }],
        End: true,
      },
      Moved: { Type: 'Pass', End: true },
    },
  });

  it('retries Lambda.ServiceException and succeeds on the third call', async () => {
    const clock = new ManualClock(T0);
    let calls = 0;
    harness = await startHarness(clock, {
      OpenProposalsArn: async (payload) => {
        calls++;
        if (calls <= 2) {
          const error = new Error('Rate exceeded');
          error.name = 'Lambda.ServiceException';
          throw error;
        }
        return { opened: payload, attempt: calls };
      },
    });
    // No substitutions: the handler is found by its placeholder name.
    const arn = harness.runtime.registerStateMachine('retry', definition);
    const executionArn = await start(arn, 'retry-1', { meeting: 'm-1' });
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(calls).toBe(3);
    expect(final.status).toBe('SUCCEEDED');
    expect(JSON.parse(final.output!)).toEqual({ opened: { meeting: 'm-1' }, attempt: 3 });
  });

  it('catches a named domain error without retrying it, and fails the execution on an uncaught one', async () => {
    const clock = new ManualClock(T0);
    let calls = 0;
    harness = await startHarness(clock, {
      OpenProposalsArn: async (payload) => {
        calls++;
        const error = new Error(`moved: ${JSON.stringify(payload)}`);
        error.name = (payload as { kind: string }).kind;
        throw error;
      },
    });
    const arn = harness.runtime.registerStateMachine('catch', definition);
    const moved = await harness.runtime.waitForExecution(await start(arn, 'moved', { kind: 'MeetingMoved' }));
    expect(calls).toBe(1);
    expect(moved.status).toBe('SUCCEEDED');
    expect(JSON.parse(moved.output!).moved).toEqual({ Error: 'MeetingMoved', Cause: 'moved: {"kind":"MeetingMoved"}' });

    const failedArn = await start(arn, 'broken', { kind: 'TypeError' });
    await harness.runtime.waitForExecution(failedArn);
    const failed = await describeExecution(failedArn);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('TypeError');
    expect(failed.cause).toBe('moved: {"kind":"TypeError"}');
  });
});

describe('execution control through the API', () => {
  it('StopExecution aborts a waiting execution and releases its token and timers', async () => {
    const clock = new ManualClock(T0);
    const c = callbackHarness(clock);
    harness = await startHarness(clock, c.handlers);
    const arn = harness.runtime.registerStateMachine('stop', callbackDefinition({ TimeoutSeconds: 3600 }), c.substitutions);
    const executionArn = await start(arn, 'stop-1', { item: 'x' });
    await harness.runtime.whenIdle();
    expect(harness.runtime.nextWakeUp()).toBeDefined();

    const stopped = await harness.sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Superseded', cause: 'meeting moved' }),
    );
    expect(stopped.stopDate?.toISOString()).toBe(T0);
    const described = await describeExecution(executionArn);
    expect(described.status).toBe('ABORTED');
    expect(described.error).toBe('Superseded');
    expect(harness.runtime.nextWakeUp()).toBeUndefined();
    expect(harness.runtime.pendingTasks()).toEqual([]);
    expect(
      await errorNameOf(harness.sfn.send(new SendTaskSuccessCommand({ taskToken: c.asked[0]!.token, output: '{}' }))),
    ).toBe('TaskTimedOut');

    // Nothing runs on afterwards, even when the clock passes the old deadlines.
    clock.advance(7_200_000);
    await harness.runtime.whenIdle();
    expect((await describeExecution(executionArn)).status).toBe('ABORTED');
    expect(c.reported).toEqual([]);
  });

  it('rejects a duplicate execution name (ExecutionAlreadyExists) but is idempotent for the same running input', async () => {
    const clock = new ManualClock(T0);
    harness = await startHarness(clock, {});
    const arn = harness.runtime.registerStateMachine(
      'names',
      JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 60, End: true } } }),
    );
    const first = await start(arn, 'meeting-2026-03-12', { a: 1 });
    expect(await start(arn, 'meeting-2026-03-12', { a: 1 })).toBe(first);
    expect(await errorNameOf(start(arn, 'meeting-2026-03-12', { a: 2 }))).toBe('ExecutionAlreadyExists');

    clock.advance(60_000);
    await harness.runtime.waitForExecution(first);
    expect(await errorNameOf(start(arn, 'meeting-2026-03-12', { a: 1 }))).toBe('ExecutionAlreadyExists');

    expect(await errorNameOf(describeExecution(`${first}-nope`))).toBe('ExecutionDoesNotExist');
    expect(
      await errorNameOf(start('arn:aws:states:us-east-1:000000000000:stateMachine:missing', 'x', {})),
    ).toBe('StateMachineDoesNotExist');
  });

  it('lists executions newest first, filtered by status', async () => {
    const clock = new ManualClock(T0);
    harness = await startHarness(clock, {});
    const arn = harness.runtime.registerStateMachine(
      'listing',
      JSON.stringify({
        StartAt: 'Route',
        States: {
          Route: { Type: 'Choice', Choices: [{ Variable: '$.hold', BooleanEquals: true, Next: 'Hold' }], Default: 'Done' },
          Hold: { Type: 'Wait', Seconds: 60, End: true },
          Done: { Type: 'Succeed' },
        },
      }),
    );
    const quick = await start(arn, 'quick', { hold: false });
    const held = await start(arn, 'held', { hold: true });
    await harness.runtime.whenIdle();
    const all = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    expect(all.executions?.map((e) => [e.name, e.status])).toEqual([
      ['held', 'RUNNING'],
      ['quick', 'SUCCEEDED'],
    ]);
    expect(all.executions?.[0]?.startDate?.toISOString()).toBe(T0);
    const running = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }));
    expect(running.executions?.map((e) => e.executionArn)).toEqual([held]);
    const page = await harness.sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1 }));
    expect(page.executions?.map((e) => e.executionArn)).toEqual([held]);
    const next = await harness.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1, nextToken: page.nextToken }),
    );
    expect(next.executions?.map((e) => e.executionArn)).toEqual([quick]);
  });
});

describe('Choice, Pass and the $$ context', () => {
  it('routes by Choice and hands $$.Execution / $$.StateMachine to the handler, also inside a Parallel branch', async () => {
    const clock = new ManualClock(T0);
    const seen: Record<string, unknown[]> = { Formal: [], Informal: [], Branch: [] };
    harness = await startHarness(clock, {
      Formal: async (payload) => (seen.Formal!.push(payload), 'formal'),
      Informal: async (payload) => (seen.Informal!.push(payload), 'informal'),
      Branch: async (payload) => (seen.Branch!.push(payload), 'branch'),
    });
    const arn = harness.runtime.registerStateMachine(
      'choice',
      JSON.stringify({
        StartAt: 'Describe',
        States: {
          Describe: {
            Type: 'Pass',
            Parameters: {
              'kind.$': '$.kind',
              'executionId.$': '$$.Execution.Id',
              'executionName.$': '$$.Execution.Name',
              'startedAt.$': '$$.Execution.StartTime',
              'machine.$': '$$.StateMachine.Name',
              'label.$': "States.Format('run {}', $$.Execution.Name)",
            },
            Next: 'ByKind',
          },
          ByKind: {
            Type: 'Choice',
            Choices: [{ Variable: '$.kind', StringEquals: 'formal', Next: 'HandleFormal' }],
            Default: 'HandleInformal',
          },
          HandleFormal: { Type: 'Task', Resource: '${FormalArn}', ResultPath: '$.result', Next: 'Both' },
          HandleInformal: { Type: 'Task', Resource: '${InformalArn}', ResultPath: '$.result', Next: 'Both' },
          Both: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'InBranch',
                States: {
                  InBranch: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::lambda:invoke',
                    Parameters: {
                      FunctionName: '${BranchArn}',
                      Payload: { 'input.$': '$$.Execution.Input', 'startedAt.$': '$$.Execution.StartTime' },
                    },
                    OutputPath: '$.Payload',
                    End: true,
                  },
                },
              },
            ],
            ResultPath: '$.branches',
            End: true,
          },
        },
      }),
      // Substituted ARNs: the handlers are found by the function name in the ARN.
      { FormalArn: lambdaArn('Formal'), InformalArn: lambdaArn('Informal'), BranchArn: lambdaArn('Branch') },
    );
    clock.advance(1000);
    const executionArn = await start(arn, 'choice-1', { kind: 'formal' });
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    expect(seen.Informal).toEqual([]);
    expect(seen.Formal).toEqual([
      {
        kind: 'formal',
        executionId: executionArn,
        executionName: 'choice-1',
        startedAt: '2026-03-10T07:00:01.000Z',
        machine: 'choice',
        label: 'run choice-1',
      },
    ]);
    // In a branch, $$.Execution is still the execution's (the library alone would give the branch input).
    expect(seen.Branch).toEqual([{ input: { kind: 'formal' }, startedAt: '2026-03-10T07:00:01.000Z' }]);
    expect(JSON.parse(final.output!)).toMatchObject({ result: 'formal', branches: ['branch'] });
  });

  it('times out the whole execution on the clock (top-level TimeoutSeconds)', async () => {
    const clock = new ManualClock(T0);
    harness = await startHarness(clock, {});
    const arn = harness.runtime.registerStateMachine(
      'execution-timeout',
      JSON.stringify({ TimeoutSeconds: 600, StartAt: 'Long', States: { Long: { Type: 'Wait', Seconds: 3600, End: true } } }),
    );
    const executionArn = await start(arn, 'too-long', {});
    await harness.runtime.whenIdle();
    expect(harness.runtime.nextWakeUp()?.toISOString()).toBe('2026-03-10T07:10:00.000Z');
    clock.set(harness.runtime.nextWakeUp()!);
    const final = await harness.runtime.waitForExecution(executionArn);
    expect(final.status).toBe('TIMED_OUT');
    expect(harness.runtime.nextWakeUp()).toBeUndefined();
  });
});
