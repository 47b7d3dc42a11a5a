import './polyfill.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Clock } from '../../functions/lib/clock.ts';
import { ClockScheduler } from './clock-scheduler.ts';
import { SfnServiceError } from './errors.ts';
import {
  LOCAL_EXECUTION_KEY,
  transformDefinition,
  type JsonObject,
  type JsonValue,
  type TaskBinding,
  type TransformedDefinition,
  type WaitBinding,
  type WrappedTaskInput,
  type WrappedWaitInput,
} from './transform.ts';

/**
 * A generic, in-process Step Functions: runs ASL (JSONPath) definitions with aws-local-stepfunctions,
 * but with every timed thing on our Clock, `.waitForTaskToken` emulated, and the execution bookkeeping
 * (names, statuses, tokens) of the real service. Nothing here knows about meetings.
 */

export type TaskHandler = (payload: unknown) => Promise<unknown>;

export interface LocalStepFunctionsOptions {
  readonly clock: Clock;
  /** Local handler for a Task: asked with the placeholder name ("OpenProposalsArn"), the placeholder text, the ARN, the function name. */
  readonly resolveTask: (resourceOrPlaceholderName: string) => TaskHandler | undefined;
  /** Real milliseconds between retries (overrides IntervalSeconds/BackoffRate). Default: as in the definition. */
  readonly retryIntervalMs?: number;
  readonly region?: string;
  readonly accountId?: string;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionListItem {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
}

export interface ExecutionDescription extends ExecutionListItem {
  /** JSON text, as in the API. */
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface PendingTask {
  readonly taskToken: string;
  readonly executionArn: string;
  readonly stateName: string;
  /** What the handler was invoked with (token substituted). */
  readonly payload: unknown;
  readonly since: Date;
}

export interface ListExecutionsRequest {
  readonly stateMachineArn: string;
  readonly statusFilter?: ExecutionStatus;
  readonly maxResults?: number;
  readonly nextToken?: string;
}

interface RegisteredMachine {
  readonly arn: string;
  readonly name: string;
  readonly source: string;
  readonly transformed: TransformedDefinition;
  readonly library: StateMachine;
  readonly staticHandlers: ReadonlyMap<string, TaskHandler>;
}

interface ExecutionRecord {
  readonly arn: string;
  readonly machine: RegisteredMachine;
  readonly name: string;
  readonly inputText: string;
  readonly startDate: Date;
  /** Stands for `$$.Task.Token` in Parameters until a callback task swaps in a fresh token. */
  readonly tokenSentinel: string;
  /** Aborted when the execution ends for any reason: releases every wait and token of it. */
  readonly ended: AbortController;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  stopDate?: Date;
  libraryAbort?: () => void;
  /** Local handlers running right now. */
  busy: number;
  /** Waits (clock or task token) in progress. */
  blocked: number;
  readonly done: Promise<void>;
  settle: () => void;
}

interface TokenRecord {
  readonly token: string;
  readonly execution: ExecutionRecord;
  readonly stateName: string;
  readonly since: Date;
  payload: unknown;
  open: boolean;
  resolve: (output: JsonValue) => void;
  reject: (error: Error) => void;
  heartbeat: () => void;
}

const TOKEN_BYTES = 48;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{64}$/;
const NAME_PATTERN = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

/** An error the library must neither retry nor catch: the execution is over. */
class ExecutionEnded extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor() {
    super('The execution has ended');
    this.name = 'ExecutionEnded';
  }
}

/** A States.Runtime failure (bad path value etc.): fails the execution, like AWS. */
class StatesRuntime extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** A throwing handler fails the task with Error = the error's name, Cause = its message (as a Lambda errorType). */
function toTaskError(thrown: unknown): Error {
  if (thrown instanceof ExecutionEnded || thrown instanceof StatesRuntime) return thrown;
  if (thrown instanceof Error) return namedError(thrown.name || 'Error', thrown.message);
  return namedError('Error', String(thrown));
}

/** Handler results travel as JSON, as through Lambda. */
function asJson(value: unknown): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

function replaceInStrings(value: JsonValue, search: string, replacement: string): JsonValue {
  if (typeof value === 'string') return value.split(search).join(replacement);
  if (Array.isArray(value)) return value.map((item) => replaceInStrings(item, search, replacement));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceInStrings(v, search, replacement)]));
  }
  return value;
}

function optionalSeconds(value: JsonValue | undefined, field: string, state: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new StatesRuntime(`State "${state}": ${field} resolved to ${JSON.stringify(value)}, not an integer >= ${min}`);
  }
  return value;
}

function functionNameOf(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arn)?.[1];
}

let statesTimeoutErrorClass: Promise<(new () => Error) | undefined> | undefined;

/**
 * The library's Retry/Catch treat "States.TaskFailed" as matching every error except an *instance*
 * of its internal StatesTimeoutError (as in AWS). That class is not exported, so obtain it once
 * from a 1 ms library timeout, and raise our clock-driven timeouts as instances of it.
 */
async function statesTimeoutError(): Promise<Error> {
  statesTimeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: {
          Probe: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
            TimeoutSeconds: 0.001,
            End: true,
          },
        },
      } as unknown as StateMachineDefinition,
      { validationOptions: { noValidate: true } },
    );
    let release: (value: null) => void = () => undefined;
    const never = new Promise<null>((resolve) => (release = resolve));
    try {
      await probe.run(null, { overrides: { taskResourceLocalHandlers: { Probe: () => never } } }).result;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof Error && cause.name === 'States.Timeout') {
        return cause.constructor as new () => Error;
      }
    } finally {
      release(null);
    }
    return undefined;
  })();
  const TimeoutClass = await statesTimeoutErrorClass;
  return TimeoutClass ? new TimeoutClass() : namedError('States.Timeout', 'States.Timeout');
}

export class LocalStepFunctions {
  private readonly scheduler: ClockScheduler;
  private readonly machines = new Map<string, RegisteredMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly region: string;
  private readonly accountId: string;
  /** Bumped on every observable step; whenIdle() waits for it to stand still. */
  private progress = 0;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.scheduler = new ClockScheduler(options.clock);
    // Learn the library's timeout error class now, not while the first timeout is being raised.
    void statesTimeoutError();
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
  }

  // ---------------------------------------------------------------- state machines

  /** Registers a definition (JSON text, CDK-style "${Placeholders}") and returns its ARN. */
  registerStateMachine(name: string, definitionJson: string, substitutions: Record<string, string> = {}): string {
    if (!NAME_PATTERN.test(name)) throw new SfnServiceError('InvalidName', `Invalid state machine name: ${name}`);
    const arn = `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
    const source = JSON.stringify([definitionJson, substitutions]);
    const existing = this.machines.get(arn);
    if (existing) {
      if (existing.source === source) return arn;
      throw new SfnServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }

    let transformed: TransformedDefinition;
    try {
      transformed = transformDefinition(definitionJson, substitutions);
      // Validate the definition as written (after substitution); run the transformed one.
      // Placeholders left without a substitution are fine locally (handlers are looked up by their
      // name) but not for the library's schema, which wants a URI as Resource.
      const forValidation = JSON.parse(
        JSON.stringify(transformed.substituted).replace(
          /\$\{([A-Za-z0-9_.:-]+)\}/g,
          `arn:aws:lambda:${this.region}:${this.accountId}:function:$1`,
        ),
      ) as StateMachineDefinition;
      new StateMachine(forValidation, {
        validationOptions: { checkArn: false, checkPaths: true },
      });
    } catch (error) {
      throw new SfnServiceError('InvalidDefinition', (error as Error).message);
    }
    const library = new StateMachine(transformed.definition as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });

    const staticHandlers = new Map<string, TaskHandler>();
    const missing: string[] = [];
    for (const task of transformed.tasks.values()) {
      if (task.lookupNames.length === 0) continue; // FunctionName known only at run time
      const handler = this.lookUp(task.lookupNames);
      if (handler) staticHandlers.set(task.stateName, handler);
      else missing.push(`${task.stateName} (${task.lookupNames.join(' | ')})`);
    }
    if (missing.length > 0) {
      throw new SfnServiceError('InvalidDefinition', `No local handler for Task state(s): ${missing.join(', ')}`);
    }

    this.machines.set(arn, { arn, name, source, transformed, library, staticHandlers });
    return arn;
  }

  private lookUp(names: readonly string[]): TaskHandler | undefined {
    for (const name of names) {
      const handler = this.options.resolveTask(name);
      if (handler) return handler;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- executions

  startExecution(
    stateMachineArn: string,
    name: string = randomUUID(),
    input: string = '{}',
  ): { executionArn: string; startDate: Date } {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) {
      if (!stateMachineArn.startsWith('arn:')) throw new SfnServiceError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
      throw new SfnServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    if (!NAME_PATTERN.test(name)) throw new SfnServiceError('InvalidName', `Invalid Name: '${name}'`);
    let parsedInput: JsonValue;
    try {
      parsedInput = JSON.parse(input) as JsonValue;
    } catch {
      throw new SfnServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
    }

    const arn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // As in AWS (standard workflows): same name and input while running → the same execution.
      if (existing.status === 'RUNNING' && existing.inputText === input) {
        return { executionArn: arn, startDate: existing.startDate };
      }
      throw new SfnServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }

    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const execution: ExecutionRecord = {
      arn,
      machine,
      name,
      inputText: input,
      startDate: this.options.clock.now(),
      tokenSentinel: `local-task-token-placeholder:${randomUUID()}`,
      ended: new AbortController(),
      status: 'RUNNING',
      busy: 0,
      blocked: 0,
      done,
      settle,
    };
    this.executions.set(arn, execution);
    this.progress++;
    this.run(execution, parsedInput);
    return { executionArn: arn, startDate: execution.startDate };
  }

  private run(execution: ExecutionRecord, input: JsonValue): void {
    const { machine } = execution;
    const executionContext: JsonObject = {
      Id: execution.arn,
      Name: execution.name,
      StartTime: execution.startDate.toISOString(),
      Input: input,
      RoleArn: `arn:aws:iam::${this.accountId}:role/local-stepfunctions`,
    };
    const context = {
      Execution: executionContext,
      [LOCAL_EXECUTION_KEY]: executionContext,
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: { Token: execution.tokenSentinel },
    };

    const taskResourceLocalHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const task of machine.transformed.tasks.values()) {
      taskResourceLocalHandlers[task.stateName] = (wrapped) =>
        this.runTask(execution, task, wrapped as unknown as WrappedTaskInput);
    }
    for (const wait of machine.transformed.waits.values()) {
      taskResourceLocalHandlers[wait.stateName] = (wrapped) =>
        this.runWait(execution, wait, wrapped as unknown as WrappedWaitInput);
    }
    const retryIntervalOverrides: Record<string, number> = {};
    if (this.options.retryIntervalMs !== undefined) {
      for (const state of machine.transformed.retryableStates) retryIntervalOverrides[state] = this.options.retryIntervalMs;
    }

    const libraryRun = machine.library.run(input, {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
      context,
      noThrowOnAbort: true,
    });
    execution.libraryAbort = libraryRun.abort;
    libraryRun.result.then(
      (output) => this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (failure: unknown) => {
        const cause = (failure as { cause?: unknown }).cause;
        const reason = cause instanceof Error ? cause : failure instanceof Error ? failure : namedError('Error', String(failure));
        this.finish(execution, 'FAILED', { error: reason.name, cause: reason.message });
      },
    );

    const timeoutSeconds = machine.transformed.executionTimeoutSeconds;
    if (timeoutSeconds !== undefined) {
      const deadline = new Date(execution.startDate.getTime() + timeoutSeconds * 1000);
      this.scheduler.sleepUntil(deadline, execution.ended.signal).then(
        () => this.finish(execution, 'TIMED_OUT', { error: 'States.Timeout', cause: 'The execution timed out' }),
        () => undefined,
      );
    }
  }

  private finish(
    execution: ExecutionRecord,
    status: Exclude<ExecutionStatus, 'RUNNING'>,
    fields: { output?: string; error?: string; cause?: string },
  ): void {
    if (execution.status !== 'RUNNING') return;
    execution.status = status;
    execution.stopDate = this.options.clock.now();
    if (fields.output !== undefined) execution.output = fields.output;
    if (fields.error !== undefined) execution.error = fields.error;
    if (fields.cause !== undefined) execution.cause = fields.cause;
    for (const record of this.tokens.values()) {
      if (record.execution === execution) record.open = false;
    }
    execution.ended.abort(new ExecutionEnded());
    if (status === 'ABORTED' || status === 'TIMED_OUT') execution.libraryAbort?.();
    this.progress++;
    execution.settle();
  }

  private async runWait(execution: ExecutionRecord, wait: WaitBinding, wrapped: WrappedWaitInput): Promise<JsonValue> {
    const now = this.options.clock.now().getTime();
    let until: number;
    if (wait.seconds !== undefined) until = now + wait.seconds * 1000;
    else if (wait.timestamp !== undefined) until = Date.parse(wait.timestamp);
    else if (wrapped.SecondsPath !== undefined) {
      until = now + (optionalSeconds(wrapped.SecondsPath, 'SecondsPath', wait.stateName, 0) ?? 0) * 1000;
    } else {
      const timestamp = wrapped.TimestampPath;
      until = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    }
    if (Number.isNaN(until)) throw new StatesRuntime(`Wait state "${wait.stateName}": not a timestamp`);
    await this.blockOn(execution, () => this.scheduler.sleepUntil(new Date(until), execution.ended.signal));
    return wrapped.Input;
  }

  /** Counts a wait as "blocked" for whenIdle(); turns the end of the execution into ExecutionEnded. */
  private async blockOn<T>(execution: ExecutionRecord, wait: () => Promise<T>): Promise<T> {
    execution.blocked++;
    this.progress++;
    try {
      return await wait();
    } catch (error) {
      if (execution.ended.signal.aborted) throw new ExecutionEnded();
      throw error;
    } finally {
      execution.blocked--;
      this.progress++;
    }
  }

  private async invoke(execution: ExecutionRecord, handler: TaskHandler, payload: unknown): Promise<JsonValue> {
    execution.busy++;
    this.progress++;
    try {
      return asJson(await handler(payload));
    } catch (error) {
      throw toTaskError(error);
    } finally {
      execution.busy--;
      this.progress++;
    }
  }

  private async runTask(execution: ExecutionRecord, task: TaskBinding, wrapped: WrappedTaskInput): Promise<JsonValue> {
    if (execution.status !== 'RUNNING') throw new ExecutionEnded();
    const timeoutSeconds =
      task.timeoutSeconds ?? optionalSeconds(wrapped.TimeoutSeconds, 'TimeoutSecondsPath', task.stateName, 1);
    const heartbeatSeconds =
      task.heartbeatSeconds ?? optionalSeconds(wrapped.HeartbeatSeconds, 'HeartbeatSecondsPath', task.stateName, 1);

    let params = wrapped.Params;
    const token = task.waitForTaskToken ? randomBytes(TOKEN_BYTES).toString('base64url') : undefined;
    if (token) params = replaceInStrings(params, execution.tokenSentinel, token);

    const handler = execution.machine.staticHandlers.get(task.stateName) ?? this.dynamicHandler(task, params);
    const payload: JsonValue =
      task.kind === 'lambda-invoke' ? ((params as JsonObject | null)?.Payload ?? {}) : params;

    // Everything below races the task's timeout on our clock; `scope` releases the timers afterwards.
    const scope = new AbortController();
    const onEnded = (): void => scope.abort(new ExecutionEnded());
    execution.ended.signal.addEventListener('abort', onEnded, { once: true });
    const racers: Promise<JsonValue>[] = [];
    if (timeoutSeconds !== undefined) {
      const deadline = new Date(this.options.clock.now().getTime() + timeoutSeconds * 1000);
      racers.push(
        this.scheduler.sleepUntil(deadline, scope.signal).then(async () => {
          // Busy while the timeout error is made, so whenIdle() cannot report idle in between.
          execution.busy++;
          this.progress++;
          try {
            throw await statesTimeoutError();
          } finally {
            execution.busy--;
            this.progress++;
          }
        }),
      );
    }
    try {
      if (!token) {
        const invocation = this.invoke(execution, handler, payload);
        invocation.catch(() => undefined); // it may lose the race to the timeout and fail later
        const result = await Promise.race([invocation, ...racers]);
        // The shape of arn:aws:states:::lambda:invoke results, so "Payload.$": "$.Payload" works as in AWS.
        return task.kind === 'lambda-invoke' ? { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 } : result;
      }
      // The token exists before the handler runs: the handler may answer it before it returns.
      racers.push(this.openToken(execution, task, token, payload, heartbeatSeconds, scope.signal));
      const invocation = this.invoke(execution, handler, payload);
      invocation.catch(() => undefined);
      // A throwing handler fails the task (its result, if any, is ignored: the output comes with the token).
      await Promise.race([invocation, ...racers]);
      return await this.blockOn(execution, () => Promise.race(racers));
    } finally {
      execution.ended.signal.removeEventListener('abort', onEnded);
      const record = token ? this.tokens.get(token) : undefined;
      if (record) record.open = false;
      scope.abort(new ExecutionEnded());
      for (const racer of racers) racer.catch(() => undefined);
    }
  }

  private dynamicHandler(task: TaskBinding, params: JsonValue): TaskHandler {
    const functionName =
      task.kind === 'lambda-invoke' ? (params as JsonObject | null)?.FunctionName : task.resource;
    const names = typeof functionName === 'string' ? [functionName, functionNameOf(functionName) ?? functionName] : [];
    const handler = this.lookUp(names);
    if (!handler) {
      throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${String(functionName)}`);
    }
    return handler;
  }

  private openToken(
    execution: ExecutionRecord,
    task: TaskBinding,
    token: string,
    payload: unknown,
    heartbeatSeconds: number | undefined,
    scope: AbortSignal,
  ): Promise<JsonValue> {
    return new Promise<JsonValue>((resolve, reject) => {
      let beat: AbortController | undefined;
      const armHeartbeat = (): void => {
        if (heartbeatSeconds === undefined) return;
        beat?.abort();
        const current = new AbortController();
        beat = current;
        const signal = AbortSignal.any([scope, current.signal]);
        const deadline = new Date(this.options.clock.now().getTime() + heartbeatSeconds * 1000);
        this.scheduler.sleepUntil(deadline, signal).then(
          () => reject(namedError('States.HeartbeatTimeout', 'States.HeartbeatTimeout')),
          () => undefined,
        );
      };
      const record: TokenRecord = {
        token,
        execution,
        stateName: task.stateName,
        since: this.options.clock.now(),
        payload,
        open: true,
        resolve: (output) => {
          record.open = false;
          resolve(output);
        },
        reject: (error) => {
          record.open = false;
          reject(error);
        },
        heartbeat: armHeartbeat,
      };
      this.tokens.set(token, record);
      scope.addEventListener('abort', () => {
        record.open = false;
        beat?.abort();
        reject(scope.reason);
      }, { once: true });
      armHeartbeat();
      this.progress++;
    });
  }

  // ---------------------------------------------------------------- callbacks

  private openTokenRecord(token: string): TokenRecord {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
      throw new SfnServiceError('InvalidToken', 'Invalid Token');
    }
    const record = this.tokens.get(token);
    if (!record) throw new SfnServiceError('TaskDoesNotExist', 'Task Does Not Exist');
    // What AWS answers for a token whose task is over (answered, timed out, or execution stopped).
    if (!record.open) throw new SfnServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    return record;
  }

  /** `output` is JSON text, as in the API. */
  sendTaskSuccess(taskToken: string, output: string): void {
    const record = this.openTokenRecord(taskToken);
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(output) as JsonValue;
    } catch {
      throw new SfnServiceError('InvalidOutput', 'Invalid Output: not valid JSON');
    }
    record.resolve(parsed);
    this.progress++;
  }

  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    const record = this.openTokenRecord(taskToken);
    record.reject(namedError(error ?? '', cause ?? ''));
    this.progress++;
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.openTokenRecord(taskToken).heartbeat();
  }

  /** Callback tasks waiting for their token (for tests and the local control). */
  pendingTasks(executionArn?: string): PendingTask[] {
    return [...this.tokens.values()]
      .filter((r) => r.open && (executionArn === undefined || r.execution.arn === executionArn))
      .map((r) => ({
        taskToken: r.token,
        executionArn: r.execution.arn,
        stateName: r.stateName,
        payload: r.payload,
        since: r.since,
      }));
  }

  // ---------------------------------------------------------------- queries and control

  private execution(executionArn: string): ExecutionRecord {
    const execution = this.executions.get(executionArn);
    if (execution) return execution;
    if (!executionArn.startsWith('arn:')) throw new SfnServiceError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    throw new SfnServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
  }

  describeExecution(executionArn: string): ExecutionDescription {
    const e = this.execution(executionArn);
    return {
      executionArn: e.arn,
      stateMachineArn: e.machine.arn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      input: e.inputText,
      ...(e.stopDate && { stopDate: e.stopDate }),
      ...(e.output !== undefined && { output: e.output }),
      ...(e.error !== undefined && { error: e.error }),
      ...(e.cause !== undefined && { cause: e.cause }),
    };
  }

  stopExecution(executionArn: string, details: { error?: string; cause?: string } = {}): { stopDate: Date } {
    const execution = this.execution(executionArn);
    this.finish(execution, 'ABORTED', details);
    return { stopDate: execution.stopDate ?? this.options.clock.now() };
  }

  listExecutions(request: ListExecutionsRequest): { executions: ExecutionListItem[]; nextToken?: string } {
    if (!this.machines.has(request.stateMachineArn)) {
      throw new SfnServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request.stateMachineArn}'`);
    }
    const all = [...this.executions.values()]
      .filter((e) => e.machine.arn === request.stateMachineArn)
      .filter((e) => request.statusFilter === undefined || e.status === request.statusFilter)
      .reverse() // newest first, as AWS lists them
      .map((e): ExecutionListItem => ({
        executionArn: e.arn,
        stateMachineArn: e.machine.arn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate && { stopDate: e.stopDate }),
      }));
    const start = request.nextToken ? Number.parseInt(request.nextToken, 10) : 0;
    if (Number.isNaN(start) || start < 0) throw new SfnServiceError('ValidationException', 'Invalid nextToken');
    const size = request.maxResults && request.maxResults > 0 ? request.maxResults : 100;
    const page = all.slice(start, start + size);
    return start + size < all.length ? { executions: page, nextToken: String(start + size) } : { executions: page };
  }

  listStateMachines(): { stateMachineArn: string; name: string }[] {
    return [...this.machines.values()].map((m) => ({ stateMachineArn: m.arn, name: m.name }));
  }

  /** The earliest pending timed wait, task timeout or heartbeat deadline. */
  nextWakeUp(): Date | undefined {
    return this.scheduler.nextWakeUp();
  }

  /** Resolves with the final description once the execution is no longer RUNNING. */
  async waitForExecution(executionArn: string): Promise<ExecutionDescription> {
    await this.execution(executionArn).done;
    return this.describeExecution(executionArn);
  }

  /**
   * Resolves when nothing can move without the outside world: every running execution is waiting on
   * the clock or on a task token, and no local handler is running. (A real-time Retry pause counts as
   * activity; use retryIntervalMs: 0 in tests.)
   */
  async whenIdle(): Promise<void> {
    for (;;) {
      const before = this.progress;
      if (this.quiet()) {
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
        if (this.progress === before && this.quiet()) return;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  }

  private quiet(): boolean {
    for (const execution of this.executions.values()) {
      if (execution.status === 'RUNNING' && (execution.busy > 0 || execution.blocked === 0)) return false;
    }
    return true;
  }

  /** Aborts every running execution and releases the clock subscription. */
  shutdown(): void {
    for (const execution of this.executions.values()) this.finish(execution, 'ABORTED', {});
    this.scheduler.dispose();
  }
}
