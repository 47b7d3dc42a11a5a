import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, OffsetClock } from '../../../functions/lib/clock.ts';
import { LocalStepFunctions, type TaskHandler } from '../../../workflows/local/runtime.ts';

const runtimes: LocalStepFunctions[] = [];
afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.shutdown();
});

function runtimeOn(clock: ManualClock | OffsetClock, handlers: Record<string, TaskHandler> = {}): LocalStepFunctions {
  const runtime = new LocalStepFunctions({ clock, resolveTask: (name) => handlers[name], retryIntervalMs: 0 });
  runtimes.push(runtime);
  return runtime;
}

describe('timed states inside Map iterations', () => {
  it('waits per item on the ManualClock and wakes them in deadline order', async () => {
    const clock = new ManualClock('2026-03-10T07:00:00Z');
    const reminded: unknown[] = [];
    const runtime = runtimeOn(clock, {
      RemindArn: async (payload) => {
        reminded.push(payload);
        return { sentAt: clock.now().toISOString() };
      },
    });
    const arn = runtime.registerStateMachine(
      'map-waits',
      JSON.stringify({
        StartAt: 'EachMember',
        States: {
          EachMember: {
            Type: 'Map',
            ItemsPath: '$.members',
            ItemProcessor: {
              StartAt: 'Delay',
              States: {
                Delay: { Type: 'Wait', SecondsPath: '$.delaySeconds', Next: 'Remind' },
                Remind: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke',
                  Parameters: { FunctionName: '${RemindArn}', Payload: { 'member.$': '$.name' } },
                  ResultSelector: { 'sentAt.$': '$.Payload.sentAt' },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      }),
    );
    const { executionArn } = runtime.startExecution(
      arn,
      'map-1',
      JSON.stringify({ members: [{ name: 'b', delaySeconds: 120 }, { name: 'a', delaySeconds: 60 }] }),
    );
    await runtime.whenIdle();
    expect(runtime.nextWakeUp()?.toISOString()).toBe('2026-03-10T07:01:00.000Z');

    clock.set(runtime.nextWakeUp()!);
    await runtime.whenIdle();
    expect(reminded).toEqual([{ member: 'a' }]);
    expect(runtime.nextWakeUp()?.toISOString()).toBe('2026-03-10T07:02:00.000Z');

    clock.set(runtime.nextWakeUp()!);
    const final = await runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    expect(JSON.parse(final.output!)).toEqual([
      { sentAt: '2026-03-10T07:02:00.000Z' },
      { sentAt: '2026-03-10T07:01:00.000Z' },
    ]);
  });
});

describe('OffsetClock (real time that a local control can skip forward)', () => {
  it('finishes a Wait a day ahead as soon as the clock jumps to nextWakeUp()', async () => {
    const clock = new OffsetClock({ start: '2026-03-10T07:00:00Z' });
    const runtime = runtimeOn(clock);
    const arn = runtime.registerStateMachine(
      'offset-wait',
      JSON.stringify({ StartAt: 'Tomorrow', States: { Tomorrow: { Type: 'Wait', Seconds: 86_400, End: true } } }),
    );
    const { executionArn } = runtime.startExecution(arn, 'offset-1', '{"x":1}');
    await runtime.whenIdle();
    const wakeUp = runtime.nextWakeUp();
    expect(wakeUp).toBeDefined();
    expect(runtime.describeExecution(executionArn).status).toBe('RUNNING');

    clock.advanceTo(wakeUp!);
    const final = await runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    expect(final.output).toBe('{"x":1}');
    expect(final.stopDate!.getTime()).toBeGreaterThanOrEqual(wakeUp!.getTime());
  });

  it('finishes a short Wait by the real passage of time, without any jump', async () => {
    const clock = new OffsetClock();
    const runtime = runtimeOn(clock);
    const arn = runtime.registerStateMachine(
      'real-time-wait',
      JSON.stringify({ StartAt: 'Brief', States: { Brief: { Type: 'Wait', Seconds: 1, End: true } } }),
    );
    const { executionArn, startDate } = runtime.startExecution(arn, 'real-1', '{}');
    const final = await runtime.waitForExecution(executionArn);
    expect(final.status).toBe('SUCCEEDED');
    expect(final.stopDate!.getTime() - startDate.getTime()).toBeGreaterThanOrEqual(1000);
  });
});

describe('registration', () => {
  it('refuses a definition whose Task has no local handler, naming the state and what was looked up', () => {
    const runtime = runtimeOn(new ManualClock('2026-03-10T07:00:00Z'));
    expect(() =>
      runtime.registerStateMachine(
        'no-handler',
        JSON.stringify({
          StartAt: 'Orphan',
          States: {
            Orphan: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: '${MissingArn}', Payload: {} },
              End: true,
            },
          },
        }),
      ),
    ).toThrow(/Orphan \(MissingArn/);
  });
});
