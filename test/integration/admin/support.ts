/**
 * The admin suites' world: dynalite + aws-ses-v2-local + the local Step Functions running the real
 * workflows/meeting.asl.json with the real task handlers (each call recorded), Deps assembled by hand,
 * and API Gateway HTTP API (payload 2.0) events built with the JWT claims the authorizer would put in.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { setDeps, type Deps } from '../../../functions/app/deps.ts';
import { russianCalendar } from '../../../functions/calendar/index.ts';
import type { Member } from '../../../functions/domain/types.ts';
import type { HttpEvent, HttpResult } from '../../../functions/http/middleware.ts';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { Mailer } from '../../../functions/mail/mailer.ts';
import { taskHandlers } from '../../../functions/manifest.ts';
import { KvorumStore } from '../../../functions/store/store.ts';
import { ensureTable } from '../../../functions/store/table.ts';
import type { TaskHandler } from '../../../workflows/local/runtime.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { startS3, type RunningS3 } from '../../support/s3.ts';
import { startSesLocal, type SesLocal, type StoredEmail } from '../../support/ses.ts';
import { startHarness, type Harness } from '../workflows-local/harness.ts';

export const SENDER = 'kvorum@kvorum.test';

export interface TaskCall {
  task: string;
  payload: Record<string, unknown>;
}

export interface AdminWorld {
  db: RunningDynalite;
  s3: RunningS3;
  ses: SesLocal;
  sfn: Harness;
  clock: ManualClock;
  store: KvorumStore;
  deps: Deps;
  stateMachineArn: string;
  calls: TaskCall[];
  /** Lets every running execution reach its next wait (clock or task token). */
  settle(): Promise<void>;
  executionStatus(executionArn: string): Promise<{ name: string; status: string }>;
  /** Stops a meeting's execution, for tests that arrange later phases in the store by hand. */
  detach(meetingId: string): Promise<void>;
  mailTo(email: string, subjectIncludes?: string): Promise<StoredEmail[]>;
  stop(): Promise<void>;
}

export async function startAdminWorld(start: string): Promise<AdminWorld> {
  const db = await startDynalite();
  const s3 = await startS3();
  const ses = await startSesLocal();
  const tableName = `kvorum-admin-${randomUUID()}`;
  await ensureTable(db.client, tableName);
  const clock = new ManualClock(start);
  const store = new KvorumStore({ client: db.client, tableName, clock });
  const mailer = new Mailer({ ses: ses.client, from: `Kvorum <${SENDER}>`, ledger: store.mail, clock });

  const calls: TaskCall[] = [];
  const handlers: Record<string, TaskHandler> = {};
  for (const spec of taskHandlers) {
    const module = (await import(/* @vite-ignore */ `../../../${spec.entry}`)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    handlers[`${spec.aslName}Arn`] = async (payload) => {
      calls.push({ task: spec.aslName ?? spec.id, payload: payload as Record<string, unknown> });
      return module.handler(payload, { functionName: spec.id, awsRequestId: randomUUID() });
    };
  }
  const sfn = await startHarness(clock, handlers);
  const stateMachineArn = sfn.runtime.registerStateMachine('kvorum-meeting', readFileSync(new URL('../../../workflows/meeting.asl.json', import.meta.url), 'utf8'));

  const deps: Deps = {
    store,
    documents: s3.documents,
    mailer,
    sfn: sfn.sfn,
    clock,
    calendar: russianCalendar,
    linkSecret: async () => ({ current: 'test-link-secret-0123456789abcdef0123456789abcdef' }),
    publicBaseUrl: 'http://kvorum.test',
    stateMachineArn,
    senderAddress: SENDER,
  };
  setDeps(deps);

  return {
    db,
    s3,
    ses,
    sfn,
    clock,
    store,
    deps,
    stateMachineArn,
    calls,
    settle: () => sfn.runtime.whenIdle(),
    async executionStatus(executionArn) {
      const d = await sfn.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return { name: d.name ?? '', status: d.status ?? '' };
    },
    async detach(meetingId) {
      const meeting = await store.getMeeting(meetingId);
      if (meeting?.executionArn) await sfn.sfn.send(new StopExecutionCommand({ executionArn: meeting.executionArn }));
      await sfn.runtime.whenIdle();
    },
    async mailTo(email, subjectIncludes) {
      const all = await ses.fetchMessages();
      return all.filter(
        (m) => m.destination.to.some((to) => to.toLowerCase().includes(email.toLowerCase())) && (!subjectIncludes || m.subject.includes(subjectIncludes)),
      );
    },
    async stop() {
      // Let running executions reach their waits first: a task still writing when dynalite closes
      // would crash the emulator ("Database is closed").
      await sfn.runtime.whenIdle();
      setDeps(undefined);
      await sfn.close();
      await ses.stop();
      await s3.stop();
      await db.stop();
    },
  };
}

// ---------------------------------------------------------------- people and requests

export function roster(): Member[] {
  return [
    { id: 'chair', name: 'Иванов Иван Иванович', email: 'chair@city.test', role: 'chair', lang: 'ru', position: 'заместитель главы администрации' },
    { id: 'deputy', name: 'Орлова Ольга Олеговна', email: 'deputy@city.test', role: 'deputy', lang: 'ru' },
    { id: 'sec', name: 'Петрова Полина Петровна', email: 'sec@city.test', role: 'secretary', lang: 'ru' },
    { id: 'm1', name: 'Сидоров Семён Семёнович', email: 'm1@city.test', role: 'member', lang: 'ru' },
    { id: 'm2', name: 'John Smith', email: 'm2@city.test', role: 'member', lang: 'en' },
    { id: 'm3', name: 'Кузнецова Анна Павловна', email: 'm3@city.test', role: 'member', lang: 'ru' },
  ];
}

export interface Claims {
  sub: string;
  email: string;
  /** API Gateway renders Cognito's boolean as a string. */
  email_verified: 'true' | 'false' | boolean;
  'cognito:groups'?: string | string[];
}

/** The claims API Gateway's JWT authorizer passes on (Cognito groups as the "[a b]" string). */
export function claimsFor(member: Pick<Member, 'id' | 'email'>, groups: string[]): Claims {
  return { sub: `sub-${member.id}`, email: member.email, email_verified: 'true', 'cognito:groups': `[${groups.join(' ')}]` };
}

export const as = {
  chair: claimsFor({ id: 'chair', email: 'chair@city.test' }, ['chair']),
  deputy: claimsFor({ id: 'deputy', email: 'deputy@city.test' }, ['chair']),
  secretary: claimsFor({ id: 'sec', email: 'sec@city.test' }, ['secretary']),
  m1AsSecretary: claimsFor({ id: 'm1', email: 'm1@city.test' }, ['secretary']),
  outsider: claimsFor({ id: 'x', email: 'stranger@elsewhere.test' }, ['chair', 'secretary']),
};

export interface RequestOptions {
  claims?: Claims | null;
  body?: unknown;
  /** Sent as is (e.g. malformed JSON). */
  rawBody?: string;
  contentType?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** An API Gateway HTTP API (payload 2.0) event for `ANY /admin/{proxy+}`. */
export function adminEvent(method: string, path: string, options: RequestOptions = {}): HttpEvent {
  const text = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = { host: 'kvorum.test', ...(options.headers ?? {}) };
  if (text !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const rawPath = `/admin${path}`;
  const event = {
    version: '2.0',
    routeKey: 'ANY /admin/{proxy+}',
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers,
    ...(options.query ? { queryStringParameters: options.query } : {}),
    pathParameters: { proxy: path.replace(/^\//, '') },
    isBase64Encoded: text !== undefined,
    ...(text !== undefined ? { body: Buffer.from(text, 'utf8').toString('base64') } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'kvorum.test',
      domainPrefix: 'kvorum',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: 'ANY /admin/{proxy+}',
      stage: '$default',
      time: '10/Mar/2026:07:00:00 +0000',
      timeEpoch: 0,
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: [] } } } : {}),
    },
  };
  return event as unknown as HttpEvent;
}

export interface Reply<T = any> {
  status: number;
  headers: Record<string, string>;
  json: T;
  raw: HttpResult;
}

export async function call<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
  const { handler } = await import('../../../functions/handlers/admin.ts');
  const result = (await handler(adminEvent(method, path, options), {} as never)) as HttpResult;
  const type = result.headers['content-type'] ?? '';
  return {
    status: result.statusCode,
    headers: result.headers,
    json: type.startsWith('application/json') ? JSON.parse(String(result.body)) : undefined,
    raw: result,
  } as Reply<T>;
}

export const GROUP_BODY = {
  bodyName: 'Администрация муниципального образования «Городской округ город Астрахань»',
  name: 'Рабочая группа по благоустройству',
  members: roster(),
};

export async function createGroup(): Promise<string> {
  const reply = await call('POST', '/groups', { claims: as.chair, body: GROUP_BODY });
  if (reply.status !== 201) throw new Error(`createGroup: ${reply.status} ${JSON.stringify(reply.json)}`);
  return reply.json.group.id as string;
}

export async function convene(groupId: string, body: Record<string, unknown>): Promise<any> {
  const reply = await call('POST', `/groups/${groupId}/meetings`, { claims: as.chair, body });
  if (reply.status !== 201) throw new Error(`convene: ${reply.status} ${JSON.stringify(reply.json)}`);
  return reply.json;
}
