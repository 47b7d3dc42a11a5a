import type { LinkKeyring } from '../functions/links/tokens.ts';
import './../workflows/local/polyfill.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SESv2Client } from '@aws-sdk/client-sesv2';
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
import { startDailyTimer } from './daily-timer.ts';
import { sendSecretaryDigests } from '../functions/app/secretary-digest.ts';
import { defaultGroupSettings } from '../functions/domain/deadlines.ts';
import { startS3Emulator } from './emulators/s3.ts';
import { startSesLocal, type SesLocal } from './emulators/ses.ts';
import { DocumentStore } from '../functions/store/documents.ts';
import { createLocalIssuer, type LocalIssuer } from './jwt-issuer.ts';
import { createLocalOidc, peopleOf } from './oidc.ts';
import { startLocalHttp, type LambdaHttpHandler, type LocalRoute } from './http-server.ts';
import { LOCAL_TABLE_NAME, startDynaliteServer } from './dynalite-server.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { awsClientConfig } from '../functions/lib/aws-clients.ts';

/**
 * The whole Kvorum system in one process, on emulators, through the real AWS SDK clients:
 * dynalite (DynamoDB), s3rver (S3: the protocol documents), aws-ses-v2-local (SES v2), the ONE state machine definition on
 * aws-local-stepfunctions behind a local Step Functions endpoint, and the HTTP API serving the
 * same Lambda handlers the CDK stack deploys. `npm start` and the end-to-end tests both use it.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

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
  /**
   * The link-signing keyring: a secret, a keyring, or a function read at every use (a test rotates
   * the secret by changing what it returns). Default: a fixed local secret.
   */
  linkSecret?: string | LinkKeyring | (() => LinkKeyring);
  senderAddress?: string;
  /**
   * Send through this SES v2-compatible service (`SES_ENDPOINT`) instead of the aws-ses-v2-local
   * emulator, which is then not started: `ses` and `urls.mailbox` are null. Credentials come from the
   * standard AWS environment.
   */
  realSes?: { endpoint: string; region: string };
  /** Base of the links in e-mails (`PUBLIC_BASE_URL`); absent: the local HTTP server's URL. */
  publicBaseUrl?: string;
  /** Where the local issuer keeps its signing key (`npm start`: in .data/); absent: a new key per start. */
  issuerKeyFile?: string;
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
  /** How long a send attempt owns its e-mail (the mailer's lease, DEFAULT_LEASE_MS); fault tests shorten it. */
  mailLeaseMs?: number;
  /** The SES client's request timeout (functions/lib/aws-clients.ts); fault tests of a hung SES shorten it. */
  sesRequestTimeoutMs?: number;
  /**
   * Runs the production calendar horizon check at start and once per day of the clock (the stack's
   * daily schedule); off unless given (`npm start` turns it on).
   */
  calendarCheck?: boolean | CalendarCheckTimerOptions;
  /** Sends each secretary the daily digest once per day of the clock (the stack's daily schedule); off unless given (`npm start` turns it on). */
  secretaryDigest?: boolean;
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

/** The system when it sends through a real SES (`realSes`): no emulator, no mailbox. */
export type LocalSystemOnRealSes = Omit<LocalSystem, 'ses' | 'urls'> & { ses: null; urls: Omit<LocalSystem['urls'], 'mailbox'> & { mailbox: null } };

export function startLocalSystem(options: LocalSystemOptions & { realSes?: undefined }): Promise<LocalSystem>;
export function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem | LocalSystemOnRealSes>;
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem | LocalSystemOnRealSes> {
  const { clock } = options;
  const stops: Array<() => Promise<void>> = [];
  try {
    const dynamo = await startDynaliteServer(options.dataDir, options.dynamoPort ?? 0);
    stops.push(dynamo.stop);
    const ses = options.realSes ? null : await startSesLocal({ mailboxPort: options.mailboxPort ?? 0, requestTimeoutMs: options.sesRequestTimeoutMs });
    if (ses) stops.push(() => ses.stop());
    // As with the emulator, the state machine's Retry is the only retry layer for a send.
    const sesClient = ses?.client ?? new SESv2Client({ ...awsClientConfig('ses', options.realSes!.endpoint, { requestTimeoutMs: options.sesRequestTimeoutMs }), region: options.realSes!.region });
    if (!ses) stops.push(async () => sesClient.destroy());
    const documentsDir = options.documentsDir !== undefined ? options.documentsDir : options.dataDir ? `${options.dataDir}-s3` : null;
    const s3 = await startS3Emulator({ directory: documentsDir, port: options.s3Port ?? 0, region: REGION });
    stops.push(() => s3.stop());
    const documents = new DocumentStore({ bucket: s3.bucket, client: s3.client });

    const dynamoClient = new DynamoDBClient({ ...awsClientConfig('dynamodb', dynamo.endpoint), region: REGION, credentials: CREDENTIALS });
    const tableName = LOCAL_TABLE_NAME;
    await ensureTable(dynamoClient, tableName);
    const store = new KvorumStore({ client: dynamoClient, tableName, clock });
    const senderAddress = options.senderAddress ?? 'kvorum@kvorum.local';
    const mailer = new Mailer({ ses: sesClient, from: senderAddress, ledger: store.mail, clock, ...(options.mailLeaseMs !== undefined ? { leaseMs: options.mailLeaseMs } : {}) });

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
    const sfn = new SFNClient({ ...awsClientConfig('sfn', sfnEndpoint.url), region: REGION, credentials: CREDENTIALS });

    const issuer = await createLocalIssuer(options.issuerKeyFile ? { keyFile: options.issuerKeyFile } : {});
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
    let baseUrl = '';
    const oidc = createLocalOidc({
      issuer,
      baseUrl: () => baseUrl,
      people: async () => peopleOf(await store.listGroups()),
      clock,
    });
    const http = await startLocalHttp({
      port: options.httpPort ?? 0,
      routes,
      issuer,
      extra: async (req, res, body) => (await oidc.handle(req, res, body)) || ((await options.extraHttp?.(req, res, body)) ?? false),
    });
    baseUrl = options.publicBaseUrl ?? http.url;
    stops.push(() => http.stop());

    const linkSecret = options.linkSecret ?? 'local-link-signing-secret-not-for-production';
    const keyring = (): LinkKeyring => (typeof linkSecret === 'string' ? { current: linkSecret } : typeof linkSecret === 'function' ? linkSecret() : linkSecret);
    deps = {
      store,
      documents,
      mailer,
      sfn,
      clock,
      calendar: russianCalendar,
      linkSecret: async () => keyring(),
      publicBaseUrl: options.publicBaseUrl ?? http.url,
      stateMachineArn,
      senderAddress,
      ...(options.opsAddress ? { opsAddress: options.opsAddress } : {}),
      pacer,
    };
    setDeps(deps);

    if (options.secretaryDigest) {
      const digest = startDailyTimer(clock, {
        name: 'secretary digest',
        timeZone: defaultGroupSettings.timeZone,
        run: async () => {
          const result = await sendSecretaryDigests(deps);
          const sent = Object.values(result.groups).filter((g) => g === 'sent').length;
          if (sent > 0) console.log(`Daily digest e-mailed to ${sent} secretar${sent === 1 ? 'y' : 'ies'}.`);
        },
      });
      stops.push(() => digest.stop());
    }
    let calendarCheck: CalendarCheckTimer | undefined;
    if (options.calendarCheck) {
      calendarCheck = startCalendarCheckTimer(deps, options.calendarCheck === true ? {} : options.calendarCheck);
      // Pushed last, so stop() clears it (and waits for a run in progress) before the emulators close.
      stops.push(() => calendarCheck!.stop());
    }

    const system = {
      deps,
      runtime,
      stateMachineArn,
      issuer,
      ses,
      urls: { http: http.url, sfn: sfnEndpoint.url, dynamodb: dynamo.endpoint, mailbox: ses?.mailboxUrl ?? null, s3: s3.endpoint },
      ...(calendarCheck ? { calendarCheck } : {}),
      async resumeActiveMeetings() {
        const resumed: string[] = [];
        for (const meeting of await store.listActiveMeetings()) {
          const resumeAt = resumeAtFor(meeting.phase);
          if (!resumeAt) continue;
          const executionArn = await startMeetingExecution(deps, meeting, resumeAt, meeting.executionArn ?? 'restart');
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
    return system as LocalSystem | LocalSystemOnRealSes;
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
