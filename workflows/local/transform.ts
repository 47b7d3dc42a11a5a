/**
 * Mechanical, load-time transformation of an ASL (JSONPath) definition so that
 * aws-local-stepfunctions runs it on our Clock and with our task semantics.
 * The definition file itself is never edited; see workflows/local/README.md for the why.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Key under which the runtime puts the real `$$.Execution` (the library overwrites Input/StartTime). */
export const LOCAL_EXECUTION_KEY = 'LocalExecution';

/** setTimeout limit in seconds: the library arms a real timer with the Task's TimeoutSeconds. */
export const LIBRARY_TASK_TIMEOUT_SECONDS = 2_147_483;

/** Resource given to former Wait states (never invoked: a local handler overrides it). */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local:wait';

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';
const PLACEHOLDER = /\$\{([A-Za-z0-9_.:-]+)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{([A-Za-z0-9_.:-]+)\}$/;

export type TaskKind =
  /** Resource arn:aws:states:::lambda:invoke[.waitForTaskToken]: handler gets Parameters.Payload. */
  | 'lambda-invoke'
  /** Resource is a function ARN (or placeholder): handler gets the whole effective input. */
  | 'lambda-direct'
  /** Any other service integration: handler gets the whole effective input. */
  | 'service';

export interface TaskBinding {
  readonly stateName: string;
  readonly kind: TaskKind;
  readonly waitForTaskToken: boolean;
  /** Resource after substitution. */
  readonly resource: string;
  /**
   * Names to ask `resolveTask` for, in order (placeholder name, placeholder text, substituted ARN,
   * function name). Empty when the FunctionName is only known at run time ("FunctionName.$").
   */
  readonly lookupNames: readonly string[];
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

export interface WaitBinding {
  readonly stateName: string;
  readonly seconds?: number;
  readonly timestamp?: string;
}

/** Shape of the input the library hands to our local handler of a transformed Task state. */
export interface WrappedTaskInput {
  Params: JsonValue;
  TimeoutSeconds?: JsonValue;
  HeartbeatSeconds?: JsonValue;
}

/** Shape of the input the library hands to our local handler of a former Wait state. */
export interface WrappedWaitInput {
  Input: JsonValue;
  SecondsPath?: JsonValue;
  TimestampPath?: JsonValue;
}

export interface TransformedDefinition {
  /** The definition handed to the library. */
  readonly definition: JsonObject;
  /** The definition after placeholder substitution only (for validation and display). */
  readonly substituted: JsonObject;
  readonly tasks: ReadonlyMap<string, TaskBinding>;
  readonly waits: ReadonlyMap<string, WaitBinding>;
  /** Names of states with a Retry field (for retry-interval overrides). */
  readonly retryableStates: readonly string[];
  /** Top-level TimeoutSeconds, enforced by the runtime on the Clock. */
  readonly executionTimeoutSeconds?: number;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** CDK DefinitionSubstitutions: replaces "${Name}" inside every string (keys untouched). */
export function substitutePlaceholders(value: JsonValue, substitutions: Readonly<Record<string, string>>): JsonValue {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole, name: string) => substitutions[name] ?? whole);
  }
  if (Array.isArray(value)) return value.map((item) => substitutePlaceholders(item, substitutions));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitutePlaceholders(v, substitutions)]));
  }
  return value;
}

/**
 * `$$.Execution...` → `$$.LocalExecution...` in path-valued fields ("x.$" keys, *Path fields, Variable),
 * because the library rebuilds `$$.Execution` per (sub-)run with a real-time StartTime and,
 * inside Parallel/Map branches, the branch input as Input.
 */
export function rewriteContextPaths(value: JsonValue, isPathField = false): JsonValue {
  if (typeof value === 'string') {
    return isPathField ? value.replace(/\$\$\.Execution(?![A-Za-z0-9_])/g, `$$$$.${LOCAL_EXECUTION_KEY}`) : value;
  }
  if (Array.isArray(value)) return value.map((item) => rewriteContextPaths(item, isPathField));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        key,
        rewriteContextPaths(v, key.endsWith('.$') || key.endsWith('Path') || key === 'Variable'),
      ]),
    );
  }
  return value;
}

function functionNameOf(arn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arn);
  return match?.[1];
}

function lookupNamesFor(original: JsonValue | undefined, substituted: JsonValue | undefined): string[] {
  const names: string[] = [];
  if (typeof original === 'string') {
    const placeholder = WHOLE_PLACEHOLDER.exec(original);
    if (placeholder?.[1]) names.push(placeholder[1], original);
    else names.push(original);
  }
  if (typeof substituted === 'string') {
    names.push(substituted);
    const fn = functionNameOf(substituted);
    if (fn) names.push(fn);
  }
  return [...new Set(names)];
}

function positiveInteger(value: JsonValue | undefined, field: string, stateName: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`State "${stateName}": ${field} must be a positive integer`);
  }
  return value;
}

interface Collector {
  tasks: Map<string, TaskBinding>;
  waits: Map<string, WaitBinding>;
  retryable: string[];
  names: Set<string>;
}

function transformTask(name: string, original: JsonObject, substituted: JsonObject, into: Collector): JsonObject {
  const resource = substituted.Resource;
  if (typeof resource !== 'string') throw new Error(`Task state "${name}" has no Resource`);
  const waitForTaskToken = resource.endsWith(WAIT_FOR_TASK_TOKEN);
  const baseResource = waitForTaskToken ? resource.slice(0, -WAIT_FOR_TASK_TOKEN.length) : resource;
  const originalParams = isObject(original.Parameters) ? original.Parameters : undefined;
  const params = isObject(substituted.Parameters) ? substituted.Parameters : undefined;

  let kind: TaskKind;
  let lookupNames: string[];
  if (baseResource === LAMBDA_INVOKE) {
    kind = 'lambda-invoke';
    // "FunctionName.$" (dynamic) is resolved at run time from the evaluated Parameters.
    lookupNames = params && 'FunctionName' in params ? lookupNamesFor(originalParams?.FunctionName, params.FunctionName) : [];
    if (!params || (!('FunctionName' in params) && !('FunctionName.$' in params))) {
      throw new Error(`Task state "${name}": lambda:invoke needs Parameters.FunctionName`);
    }
  } else if (/^(arn:aws[a-z-]*:lambda:|\$\{)/.test(baseResource) || functionNameOf(baseResource)) {
    kind = 'lambda-direct';
    lookupNames = lookupNamesFor(original.Resource, baseResource);
  } else {
    kind = 'service';
    lookupNames = [baseResource, resource];
  }

  const binding: TaskBinding = {
    stateName: name,
    kind,
    waitForTaskToken,
    resource,
    lookupNames,
    ...(substituted.TimeoutSeconds !== undefined && {
      timeoutSeconds: positiveInteger(substituted.TimeoutSeconds, 'TimeoutSeconds', name),
    }),
    ...(substituted.HeartbeatSeconds !== undefined && {
      heartbeatSeconds: positiveInteger(substituted.HeartbeatSeconds, 'HeartbeatSeconds', name),
    }),
  };
  into.tasks.set(name, binding);

  const {
    TimeoutSeconds: _timeout,
    TimeoutSecondsPath: timeoutPath,
    HeartbeatSeconds: _heartbeat,
    HeartbeatSecondsPath: heartbeatPath,
    Parameters: _params,
    ...rest
  } = substituted;
  // The dynamic timeouts are evaluated by the library against the effective input (after InputPath),
  // alongside the original Parameters, and handed to our handler (WrappedTaskInput).
  const wrapped: JsonObject = params ? { Params: params } : { 'Params.$': '$' };
  if (typeof timeoutPath === 'string') wrapped['TimeoutSeconds.$'] = timeoutPath;
  if (typeof heartbeatPath === 'string') wrapped['HeartbeatSeconds.$'] = heartbeatPath;
  return { ...rest, Parameters: wrapped, TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS };
}

function transformWait(name: string, state: JsonObject, into: Collector): JsonObject {
  const parameters: JsonObject = { 'Input.$': '$' };
  const binding: { stateName: string; seconds?: number; timestamp?: string } = { stateName: name };
  if (typeof state.Seconds === 'number') binding.seconds = state.Seconds;
  else if (typeof state.Timestamp === 'string') binding.timestamp = state.Timestamp;
  else if (typeof state.SecondsPath === 'string') parameters['SecondsPath.$'] = state.SecondsPath;
  else if (typeof state.TimestampPath === 'string') parameters['TimestampPath.$'] = state.TimestampPath;
  else throw new Error(`Wait state "${name}" needs Seconds, Timestamp, SecondsPath or TimestampPath`);
  into.waits.set(name, binding);

  const task: JsonObject = {
    Type: 'Task',
    Resource: LOCAL_WAIT_RESOURCE,
    Parameters: parameters,
    TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
  };
  // A Wait's output is its effective input: InputPath → (unchanged) → OutputPath.
  for (const key of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End'] as const) {
    if (state[key] !== undefined) task[key] = state[key];
  }
  return task;
}

function transformMachine(original: JsonObject, substituted: JsonObject, into: Collector): JsonObject {
  const originalStates = isObject(original.States) ? original.States : {};
  const states = substituted.States;
  if (!isObject(states)) throw new Error('State machine definition has no States');
  const out: JsonObject = {};
  for (const [name, raw] of Object.entries(states)) {
    if (!isObject(raw)) throw new Error(`State "${name}" is not an object`);
    if (into.names.has(name)) {
      throw new Error(`State name "${name}" is used twice; names must be unique in the whole state machine`);
    }
    into.names.add(name);
    const originalState = isObject(originalStates[name]) ? (originalStates[name] as JsonObject) : raw;
    if (Array.isArray(raw.Retry) && raw.Retry.length > 0) into.retryable.push(name);
    switch (raw.Type) {
      case 'Task':
        out[name] = transformTask(name, originalState, raw, into);
        break;
      case 'Wait':
        out[name] = transformWait(name, raw, into);
        break;
      case 'Parallel': {
        const branches = Array.isArray(raw.Branches) ? raw.Branches : [];
        const originalBranches = Array.isArray(originalState.Branches) ? originalState.Branches : [];
        out[name] = {
          ...raw,
          Branches: branches.map((branch, i) =>
            transformMachine(
              isObject(originalBranches[i]) ? (originalBranches[i] as JsonObject) : (branch as JsonObject),
              branch as JsonObject,
              into,
            ),
          ),
        };
        break;
      }
      case 'Map': {
        const key = isObject(raw.ItemProcessor) ? 'ItemProcessor' : 'Iterator';
        const inner = raw[key];
        if (!isObject(inner)) throw new Error(`Map state "${name}" has no ItemProcessor`);
        const originalInner = isObject(originalState[key]) ? (originalState[key] as JsonObject) : inner;
        out[name] = { ...raw, [key]: transformMachine(originalInner, inner, into) };
        break;
      }
      default:
        out[name] = raw;
    }
  }
  return { ...substituted, States: out };
}

/** Substitutes placeholders, then rewrites Wait/Task states (see README). Pure. */
export function transformDefinition(
  definitionJson: string,
  substitutions: Readonly<Record<string, string>> = {},
): TransformedDefinition {
  const parsed = JSON.parse(definitionJson) as JsonValue;
  if (!isObject(parsed)) throw new Error('State machine definition must be a JSON object');
  if (parsed.QueryLanguage === 'JSONata') throw new Error('Only JSONPath definitions are supported locally');
  const substituted = substitutePlaceholders(parsed, substitutions) as JsonObject;
  const collector: Collector = { tasks: new Map(), waits: new Map(), retryable: [], names: new Set() };
  const transformed = transformMachine(parsed, substituted, collector);
  const { TimeoutSeconds: executionTimeout, ...topLevel } = transformed;
  return {
    definition: rewriteContextPaths(topLevel) as JsonObject,
    substituted,
    tasks: collector.tasks,
    waits: collector.waits,
    retryableStates: collector.retryable,
    ...(typeof executionTimeout === 'number' && { executionTimeoutSeconds: executionTimeout }),
  };
}
