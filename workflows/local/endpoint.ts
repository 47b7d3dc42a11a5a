import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SfnServiceError } from './errors.ts';
import type { ExecutionListItem, ExecutionStatus, LocalStepFunctions } from './runtime.ts';

/**
 * The local runtime behind the Step Functions API (AWS JSON 1.0 protocol: POST /,
 * X-Amz-Target: AWSStepFunctions.<Operation>), so the real @aws-sdk/client-sfn talks to it unchanged.
 */

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AWSStepFunctions.';
const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

type Body = Record<string, unknown>;

/** AWS JSON protocols send timestamps as epoch seconds. */
function epochSeconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000;
}

function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new SfnServiceError('ValidationException', `1 validation error detected: '${field}' must not be null`);
  }
  return value;
}

function optionalString(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnServiceError('ValidationException', `'${field}' must be a string`);
  return value;
}

function listItem(item: ExecutionListItem): Body {
  return {
    executionArn: item.executionArn,
    stateMachineArn: item.stateMachineArn,
    name: item.name,
    status: item.status,
    startDate: epochSeconds(item.startDate),
    stopDate: epochSeconds(item.stopDate),
  };
}

function handle(runtime: LocalStepFunctions, operation: string, body: Body): Body {
  switch (operation) {
    case 'StartExecution': {
      const started = runtime.startExecution(
        requiredString(body, 'stateMachineArn'),
        optionalString(body, 'name'),
        optionalString(body, 'input'),
      );
      return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) };
    }
    case 'DescribeExecution': {
      const d = runtime.describeExecution(requiredString(body, 'executionArn'));
      return {
        executionArn: d.executionArn,
        stateMachineArn: d.stateMachineArn,
        name: d.name,
        status: d.status,
        startDate: epochSeconds(d.startDate),
        stopDate: epochSeconds(d.stopDate),
        input: d.input,
        inputDetails: { included: true },
        ...(d.output !== undefined && { output: d.output, outputDetails: { included: true } }),
        error: d.error,
        cause: d.cause,
      };
    }
    case 'StopExecution': {
      const details: { error?: string; cause?: string } = {};
      const error = optionalString(body, 'error');
      const cause = optionalString(body, 'cause');
      if (error !== undefined) details.error = error;
      if (cause !== undefined) details.cause = cause;
      const stopped = runtime.stopExecution(requiredString(body, 'executionArn'), details);
      return { stopDate: epochSeconds(stopped.stopDate) };
    }
    case 'SendTaskSuccess':
      runtime.sendTaskSuccess(requiredString(body, 'taskToken'), requiredString(body, 'output'));
      return {};
    case 'SendTaskFailure':
      runtime.sendTaskFailure(
        requiredString(body, 'taskToken'),
        optionalString(body, 'error'),
        optionalString(body, 'cause'),
      );
      return {};
    case 'SendTaskHeartbeat':
      runtime.sendTaskHeartbeat(requiredString(body, 'taskToken'));
      return {};
    case 'ListExecutions': {
      const statusFilter = optionalString(body, 'statusFilter');
      if (statusFilter !== undefined && !EXECUTION_STATUSES.includes(statusFilter as ExecutionStatus)) {
        throw new SfnServiceError('ValidationException', `Invalid statusFilter: ${statusFilter}`);
      }
      const maxResults = typeof body.maxResults === 'number' ? body.maxResults : undefined;
      const nextToken = optionalString(body, 'nextToken');
      const page = runtime.listExecutions({
        stateMachineArn: requiredString(body, 'stateMachineArn'),
        ...(statusFilter !== undefined && { statusFilter: statusFilter as ExecutionStatus }),
        ...(maxResults !== undefined && { maxResults }),
        ...(nextToken !== undefined && { nextToken }),
      });
      return { executions: page.executions.map(listItem), nextToken: page.nextToken };
    }
    default:
      throw new SfnServiceError('UnknownOperationException', `Unknown operation ${operation}`);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: Body): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
}

export interface SfnEndpoint {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startSfnEndpoint(
  runtime: LocalStepFunctions,
  options: { port?: number; host?: string } = {},
): Promise<SfnEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const target = String(request.headers['x-amz-target'] ?? '');
        if (request.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
          throw new SfnServiceError('UnknownOperationException', `Unsupported request ${request.method} ${target}`);
        }
        const text = await readBody(request);
        let body: Body;
        try {
          body = text.trim() === '' ? {} : (JSON.parse(text) as Body);
        } catch {
          throw new SfnServiceError('ValidationException', 'Request body is not valid JSON');
        }
        send(response, 200, handle(runtime, target.slice(TARGET_PREFIX.length), body));
      } catch (error) {
        if (error instanceof SfnServiceError) {
          send(response, 400, { __type: error.code, message: error.message });
        } else {
          send(response, 500, { __type: 'InternalFailure', message: (error as Error).message ?? String(error) });
        }
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
