import './../workflows/local/polyfill.ts';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { setDeps, type Deps } from '../functions/app/deps.ts';
import { russianCalendar } from '../functions/calendar/index.ts';
import type { Clock } from '../functions/lib/clock.ts';
import { realPacer, type Pacer } from '../functions/lib/pacer.ts';
import { Mailer } from '../functions/mail/mailer.ts';
import { handlers, taskHandlers } from '../functions/manifest.ts';
import { resumeAtFor, startMeetingExecution } from '../functions/app/steps/execution.ts';
import { KvorumStore } from '../functions/store/store.ts';
import { ensureTable } from '../functions/store/table.ts';
import { LocalStepFunctions } from '../workflows/local/runtime.ts';
import { startSfnEndpoint } from '../workflows/local/endpoint.ts';
import { startCalendarCheckTimer, type CalendarCheckTimer, type CalendarCheckTimerOptions } from './calendar-check-timer.ts';
import { startS3Emulator } from './emulators/s3.ts';
import { startSesLocal, type SesLocal } from './emulators/ses.ts';
import { DocumentStore } from '../functions/store/documents.ts';
import { createLocalIssuer, type LocalIssuer } from './jwt-issuer.ts';
import { startLocalHttp, type LambdaHttpHandler, type LocalRoute } from './http-server.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The whole Kvorum system in one process, on emulators, through the real AWS SDK clients:
 * dynalite (DynamoDB), s3rver (S3: the protocol documents), aws-ses-v2-local (SES v2), the ONE state machine definition on
 * aws-local-stepfunctions behind a local Step Functions endpoint, and the HTTP API serving the
 * same Lambda handlers the CDK stack deploys. `npm start` and the end-to-end tests both use it.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const require = createRequire(import.meta.url);

export interface LocalSystemOptions {
  clock: Clock;
  /** Where dynalite keeps its data; null = in memory (tests). */
  dataDir: string | null;
  /**
   * Where the S3 emulator keeps the documents. Absent: beside dataDir (`<dataDir>-s3`), so documents
   * survive a restart with the table; null, or no dataDir: a temporary directory removed on stop (tests).
   */
  documentsDir?: string | null;
  s3Port?: number;
  httpPort?: number;
  sfnPort?: number;
  dynamoPort?: number;
  mailboxPort?: number;
  linkSecret?: string;
  senderAddress?: string;
  /** Retry pauses of the state machine in ms (tests: 0). */
  retryIntervalMs?: number;
  /** Extra local-only HTTP handlers (controls of `npm start`). */
  extraHttp?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean>;
  /** Who runs the system (deps.opsAddress; the stack's OpsEmail): `npm start` passes the demo secretary. */
  opsAddress?: string;
  /**
   * Time for pacing sends to each group's rate and for the tasks' time budget: real time by default
   * (the rate is honoured locally too); a VirtualPacer makes a test fast and its invocations exact.
   */
  pacer?: Pacer;
  /**
   * Runs the production calendar horizon check at start and once per day of the clock (the stack's
   * daily schedule); off unless given (`npm start` turns it on).
   */
  calendarCheck?: boolean | CalendarCheckTimerOptions;
}

export interface LocalSystem {
  deps: Deps;
  runtime: LocalStepFunctions;
  stateMachineArn: string;
  issuer: LocalIssuer;
  ses: SesLocal;
  urls: { http: string; sfn: string; dynamodb: string; mailbox: string; s3: string };
  /** The daily production calendar check, when `calendarCheck` was given. */
  calendarCheck?: CalendarCheckTimer;
  /** Starts executions for meetings left in progress (after a restart). */
  resumeActiveMeetings(): Promise<string[]>;
  stop(): Promise<void>;
}

async function startDynaliteServer(dataDir: string | null, port: number): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const server = dynalite({ ...(dataDir ? { path: dataDir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const { clock } = options;
  const stops: Array<() => Promise<void>> = [];
  try {
    const dynamo = await startDynaliteServer(options.dataDir, options.dynamoPort ?? 0);
    stops.push(dynamo.stop);
    const ses = await startSesLocal({ mailboxPort: options.mailboxPort ?? 0 });
    stops.push(() => ses.stop());
    const documentsDir = options.documentsDir !== undefined ? options.documentsDir : options.dataDir ? `${options.dataDir}-s3` : null;
    const s3 = await startS3Emulator({ directory: documentsDir, port: options.s3Port ?? 0, region: REGION });
    stops.push(() => s3.stop());
    const documents = new DocumentStore({ bucket: s3.bucket, client: s3.client });

    const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials: CREDENTIALS });
    const tableName = 'kvorum';
    await ensureTable(dynamoClient, tableName);
    const store = new KvorumStore({ client: dynamoClient, tableName, clock });
    const senderAddress = options.senderAddress ?? 'kvorum@kvorum.local';
    const mailer = new Mailer({ ses: ses.client, from: senderAddress, ledger: store, clock });

    // Task handlers: the same modules the stack bundles, found through the manifest.
    const pacer = options.pacer ?? realPacer;
    const taskModules = new Map<string, (payload: unknown) => Promise<unknown>>();
    for (const spec of taskHandlers) {
      const mod = (await import(pathToFileURL(path.join(ROOT, spec.entry)).href)) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
      // As in Lambda, a task knows how long it may still run (its fan-out stops in time and continues).
      taskModules.set(`${spec.aslName}Arn`, (payload) => {
        const deadline = pacer.now() + spec.timeoutSeconds * 1000;
        return mod.handler(payload, { functionName: spec.id, awsRequestId: 'local', getRemainingTimeInMillis: () => deadline - pacer.now() });
      });
    }
    const runtime = new LocalStepFunctions({
      clock,
      resolveTask: (name) => taskModules.get(name),
      region: REGION,
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
    });
    const definition = readFileSync(path.join(ROOT, 'workflows', 'meeting.asl.json'), 'utf8');
    const stateMachineArn = runtime.registerStateMachine('kvorum-meeting', definition);
    const sfnEndpoint = await startSfnEndpoint(runtime, { port: options.sfnPort ?? 0 });
    stops.push(() => sfnEndpoint.stop());
    stops.push(async () => runtime.shutdown());
    const sfn = new SFNClient({ endpoint: sfnEndpoint.url, region: REGION, credentials: CREDENTIALS });

    const issuer = await createLocalIssuer();
    const httpHandlers = new Map<string, LambdaHttpHandler>();
    for (const spec of handlers.filter((h) => h.kind === 'http-public' || h.kind === 'http-admin')) {
      const mod = (await import(pathToFileURL(path.join(ROOT, spec.entry)).href)) as { handler: LambdaHttpHandler };
      httpHandlers.set(spec.id, mod.handler);
    }
    const routes: LocalRoute[] = [
      { method: 'GET', path: '/l/{token}', handler: httpHandlers.get('MemberLinks')! },
      { method: 'POST', path: '/l/{token}', handler: httpHandlers.get('MemberLinks')! },
      { method: 'ANY', path: '/admin/{proxy+}', handler: httpHandlers.get('Admin')!, jwt: true },
    ];
    // The HTTP server must know its own URL before the deps (links in e-mails) are built.
    let deps!: Deps;
    const http = await startLocalHttp({
      port: options.httpPort ?? 0,
      routes,
      issuer,
      ...(options.extraHttp ? { extra: options.extraHttp } : {}),
    });
    stops.push(() => http.stop());

    const linkSecret = options.linkSecret ?? 'local-link-signing-secret-not-for-production';
    deps = {
      store,
      documents,
      mailer,
      sfn,
      clock,
      calendar: russianCalendar,
      linkSecret: async () => linkSecret,
      publicBaseUrl: http.url,
      stateMachineArn,
      senderAddress,
      ...(options.opsAddress ? { opsAddress: options.opsAddress } : {}),
      pacer,
    };
    setDeps(deps);

    let calendarCheck: CalendarCheckTimer | undefined;
    if (options.calendarCheck) {
      calendarCheck = startCalendarCheckTimer(deps, options.calendarCheck === true ? {} : options.calendarCheck);
      // Pushed last, so stop() clears it (and waits for a run in progress) before the emulators close.
      stops.push(() => calendarCheck!.stop());
    }

    return {
      deps,
      runtime,
      stateMachineArn,
      issuer,
      ses,
      urls: { http: http.url, sfn: sfnEndpoint.url, dynamodb: dynamo.endpoint, mailbox: ses.mailboxUrl, s3: s3.endpoint },
      ...(calendarCheck ? { calendarCheck } : {}),
      async resumeActiveMeetings() {
        const resumed: string[] = [];
        for (const meeting of await store.listActiveMeetings()) {
          const resumeAt = resumeAtFor(meeting.phase);
          if (!resumeAt) continue;
          const executionArn = await startMeetingExecution(deps, meeting, resumeAt, true);
          await store.updateMeeting(meeting.id, { revision: meeting.revision }, { executionArn });
          resumed.push(meeting.id);
        }
        return resumed;
      },
      async stop() {
        // Let running tasks finish their writes before the emulators close under them (bounded wait).
        await Promise.race([runtime.whenIdle(), new Promise((resolve) => setTimeout(resolve, 2000))]);
        setDeps(undefined);
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
