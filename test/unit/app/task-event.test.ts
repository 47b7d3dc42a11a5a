/**
 * The task input the state machine passes (functions/tasks/task.ts, validated with zod/mini): bad
 * input fails as InvalidTaskInput naming each field; good input reaches the step as given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setDeps, type Deps } from '../../../functions/app/deps.ts';
import { taskHandler } from '../../../functions/tasks/task.ts';

const context = {} as never;
const echo = taskHandler(async (_deps, event) => event);

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
