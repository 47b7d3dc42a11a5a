import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  LIBRARY_TASK_TIMEOUT_SECONDS,
  LOCAL_WAIT_RESOURCE,
  rewriteContextPaths,
  substitutePlaceholders,
  transformDefinition,
} from '../../../workflows/local/transform.ts';

const definition = {
  Comment: 'uses $$.Execution.Id only in a comment',
  TimeoutSeconds: 900,
  StartAt: 'Pause',
  States: {
    Pause: { Type: 'Wait', TimestampPath: '$.at', InputPath: '$.in', OutputPath: '$.out', Next: 'Ask' },
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: '${AskArn}', Payload: { 'token.$': '$$.Task.Token', 'id.$': '$$.Execution.Id' } },
      TimeoutSecondsPath: '$.timeout',
      HeartbeatSeconds: 30,
      Retry: [{ ErrorEquals: ['Lambda.ServiceException'] }],
      Next: 'Fan',
    },
    Fan: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'Direct', States: { Direct: { Type: 'Task', Resource: '${DirectArn}', End: true } } }],
      Next: 'Dynamic',
    },
    Dynamic: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { 'FunctionName.$': '$.fn', 'Payload.$': '$' },
      End: true,
    },
  },
};

describe('transformDefinition', () => {
  const result = transformDefinition(JSON.stringify(definition), {
    AskArn: 'arn:aws:lambda:eu-central-1:123456789012:function:Ask',
  });
  const states = result.definition.States as Record<string, Record<string, unknown>>;

  it('turns a Wait into a Task of the local wait resource that keeps InputPath/OutputPath/Next', () => {
    expect(states.Pause).toEqual({
      Type: 'Task',
      Resource: LOCAL_WAIT_RESOURCE,
      Parameters: { 'Input.$': '$', 'TimestampPath.$': '$.at' },
      TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
      InputPath: '$.in',
      OutputPath: '$.out',
      Next: 'Ask',
    });
    expect(result.waits.get('Pause')).toEqual({ stateName: 'Pause' });
  });

  it('moves task timeouts off the library and wraps the Parameters, rewriting $$.Execution', () => {
    expect(states.Ask).toMatchObject({
      Parameters: {
        Params: {
          FunctionName: 'arn:aws:lambda:eu-central-1:123456789012:function:Ask',
          Payload: { 'token.$': '$$.Task.Token', 'id.$': '$$.LocalExecution.Id' },
        },
        'TimeoutSeconds.$': '$.timeout',
      },
      TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
      Retry: [{ ErrorEquals: ['Lambda.ServiceException'] }],
    });
    expect(states.Ask).not.toHaveProperty('HeartbeatSeconds');
    expect(states.Ask).not.toHaveProperty('TimeoutSecondsPath');
    expect(result.tasks.get('Ask')).toEqual({
      stateName: 'Ask',
      kind: 'lambda-invoke',
      waitForTaskToken: true,
      resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      lookupNames: ['AskArn', '${AskArn}', 'arn:aws:lambda:eu-central-1:123456789012:function:Ask', 'Ask'],
      heartbeatSeconds: 30,
    });
    expect(result.definition.Comment).toBe(definition.Comment);
    expect(result.definition).not.toHaveProperty('TimeoutSeconds');
    expect(result.executionTimeoutSeconds).toBe(900);
    expect(result.retryableStates).toEqual(['Ask']);
  });

  it('walks Parallel branches and leaves dynamic function names for run time', () => {
    expect(result.tasks.get('Direct')).toMatchObject({ kind: 'lambda-direct', lookupNames: ['DirectArn', '${DirectArn}'] });
    expect(result.tasks.get('Dynamic')).toMatchObject({ kind: 'lambda-invoke', lookupNames: [] });
    const branch = (states.Fan!.Branches as { States: Record<string, Record<string, unknown>> }[])[0]!;
    expect(branch.States.Direct).toMatchObject({ Parameters: { 'Params.$': '$' } });
  });

  it('rejects duplicate state names across branches and JSONata definitions', () => {
    const duplicate = {
      StartAt: 'A',
      States: {
        A: { Type: 'Parallel', Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }], End: true },
      },
    };
    expect(() => transformDefinition(JSON.stringify(duplicate))).toThrow(/used twice/);
    expect(() => transformDefinition(JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'A', States: {} }))).toThrow(
      /JSONPath/,
    );
  });
});

describe('substitutePlaceholders / rewriteContextPaths', () => {
  it('substitutes only known placeholders and never touches keys', () => {
    expect(substitutePlaceholders({ '${K}': 'x ${A} ${B}' }, { A: '1', K: 'no' })).toEqual({ '${K}': 'x 1 ${B}' });
  });

  it('is the identity on definitions without placeholders or context paths (property)', () => {
    const safeString = fc.string().filter((s) => !s.includes('${') && !s.includes('$$'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        safeString,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(substitutePlaceholders(value as never, { A: 'b' })).toEqual(value);
        expect(rewriteContextPaths(value as never)).toEqual(value);
      }),
    );
  });

  it('rewrites $$.Execution in paths and intrinsic functions, not $$.ExecutionX nor plain strings', () => {
    expect(
      rewriteContextPaths({
        'a.$': '$$.Execution.Input.x',
        'b.$': "States.Format('{}', $$.Execution.Name)",
        'c.$': '$$.ExecutionOther',
        Variable: '$$.Execution.StartTime',
        literal: '$$.Execution.Id',
      }),
    ).toEqual({
      'a.$': '$$.LocalExecution.Input.x',
      'b.$': "States.Format('{}', $$.LocalExecution.Name)",
      'c.$': '$$.ExecutionOther',
      Variable: '$$.LocalExecution.StartTime',
      literal: '$$.Execution.Id',
    });
  });
});
