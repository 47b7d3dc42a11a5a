/**
 * The task input the state machine passes (functions/tasks/task.ts, validated with zod/mini): bad
 * input fails as InvalidTaskInput naming each field; good input reaches the step as given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setDeps, type Deps } from '../../../functions/app/deps.ts';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { taskHandler } from '../../../functions/tasks/task.ts';

const context = {} as never;
const echo = taskHandler('tally', async (_deps, event) => event);

describe('taskHandler input', () => {
  afterEach(() => setDeps(undefined));

  it('refuses bad input as InvalidTaskInput, naming each field and what is wrong', async () => {
    const error = await echo({ meetingId: '', revision: 0, kind: 'other', taskToken: 7 }, context).then(
      () => new Error('the input was accepted'),
      (e: unknown) => e as Error,
    );
    expect(error.name).toBe('InvalidTaskInput');
    expect(error.message).toContain('meetingId: Too small: expected string to have >=1 characters');
    expect(error.message).toContain('revision: Too small: expected number to be >=1');
    expect(error.message).toContain('kind: Invalid option: expected one of "approval"|"opinions"|"signatures"');
    expect(error.message).toContain('taskToken: Invalid input: expected string, received number');
  });

  it('passes good input on, keeping what Step Functions adds to a caught error', async () => {
    setDeps({} as Deps);
    const event = { meetingId: 'm1', revision: 2, resumeAt: 'start', error: { Error: 'States.Timeout', Cause: 'late', extra: 1 } };
    expect(await echo(event, context)).toEqual(event);
    await expect(echo({ meetingId: 'm1', revision: 1.5 }, context)).rejects.toThrow('revision: Invalid input: expected int, received number');
  });
});

describe('taskHandler outages: retried until the step\'s own deadline, then a failure naming the step', () => {
  afterEach(() => setDeps(undefined));
  const unavailable = () => Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
  const notice = taskHandler('send-notice', async () => {
    throw unavailable();
  });
  const withMeeting = (now: string, meeting: unknown) => setDeps({ clock: new ManualClock(now), store: { getMeeting: async () => meeting } } as unknown as Deps);
  const meeting = { deadlines: { notice: '2026-03-05T19:59:59Z' } };

  it('before the deadline: TransientError (the ASL retries it with backoff)', async () => {
    withMeeting('2026-03-05T19:59:59Z', meeting);
    await expect(notice({ meetingId: 'm1', revision: 1 }, context)).rejects.toMatchObject({ name: 'TransientError', message: '[send-notice] Service unavailable' });
  });

  it('after it: StepDeadlinePassed, which the ASL records as the failure of the step', async () => {
    withMeeting('2026-03-05T20:00:00Z', meeting);
    await expect(notice({ meetingId: 'm1', revision: 1 }, context)).rejects.toMatchObject({
      name: 'StepDeadlinePassed',
      message: '[send-notice] not completed by its deadline 2026-03-05T19:59:59Z: Service unavailable',
    });
  });

  it('while the table cannot be read either: TransientError (the deadline is unknown)', async () => {
    setDeps({ clock: new ManualClock('2030-01-01T00:00:00Z'), store: { getMeeting: async () => { throw unavailable(); } } } as unknown as Deps);
    await expect(notice({ meetingId: 'm1', revision: 1 }, context)).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('any other error keeps its name and says which step it came from', async () => {
    setDeps({} as Deps);
    const broken = taskHandler('tally', async () => {
      throw Object.assign(new Error('no quorum data'), { name: 'TallyError' });
    });
    await expect(broken({ meetingId: 'm1', revision: 1 }, context)).rejects.toMatchObject({ name: 'TallyError', message: '[tally] no quorum data' });
  });
});
