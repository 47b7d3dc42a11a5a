import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { awsClientConfig } from '../lib/aws-clients.ts';
import type { LinkKeyring } from '../links/tokens.ts';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { russianCalendar, type ProductionCalendar } from '../calendar/index.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Pacer } from '../lib/pacer.ts';
import { Mailer } from '../mail/mailer.ts';
import type { DocumentStore } from '../store/documents.ts';
import { KvorumStore } from '../store/store.ts';

/**
 * Everything a handler needs from the outside world, built once per Lambda container from the
 * environment (the CDK stack sets it), or handed in whole by the local runtime and the tests —
 * which run the same handlers against dynalite, aws-ses-v2-local and the local Step Functions.
 */
export interface Deps {
  store: KvorumStore;
  /**
   * Protocol documents (S3). Read it through `documentsOf(deps)` (functions/app/document-store.ts),
   * which makes one from the environment when none was handed in: only the functions that use
   * documents then bundle the S3 client.
   */
  documents?: DocumentStore;
  mailer: Mailer;
  /** Step Functions; read it through `sfnOf(deps)` (functions/app/sfn-client.ts), for the same reason. */
  sfn?: SFNClient;
  clock: Clock;
  calendar: ProductionCalendar;
  /**
   * The link-signing keyring (current and previous secret); read it through `linkKeyringOf(deps)`
   * (functions/app/link-secret.ts), which reads Secrets Manager (or LINK_SECRET) when none was handed in.
   */
  linkSecret?(): Promise<LinkKeyring>;
  /** Base URL of the HTTP API, e.g. "https://abc.execute-api.eu-central-1.amazonaws.com". */
  publicBaseUrl: string;
  stateMachineArn: string;
  /** Group mailbox shown as the calendar organiser. */
  senderAddress: string;
  /** Who runs the system (stack parameter OpsEmail; locally the demo secretary): told when the production calendar runs out. */
  opsAddress?: string;
  /** Paces per-recipient sends to the group's rate (functions/app/fan-out.ts); real time when absent. */
  pacer?: Pacer;
}

let current: Deps | undefined;

/** The local runtime and tests install their deps here; Lambda builds them from the environment. */
export function setDeps(deps: Deps | undefined): void {
  current = deps;
}

export function getDeps(): Deps {
  current ??= depsFromEnv(process.env);
  return current;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** A value made on first call and kept: SDK clients are created on first use, not at import. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * Reads (and checks) the environment at once; each SDK client is built on first use, so a function
 * that never sends mail never constructs an SES client. The Step Functions client and the document
 * store are not built here at all, nor is the link secret read (sfnOf, documentsOf, linkKeyringOf):
 * only the functions that use them bundle those clients.
 */
export function depsFromEnv(env: NodeJS.ProcessEnv): Deps {
  const clock = systemClock;
  const tableName = required(env, 'TABLE_NAME');
  const senderAddress = required(env, 'SENDER_ADDRESS');
  const publicBaseUrl = required(env, 'PUBLIC_BASE_URL').replace(/\/$/, '');
  const store = once(() => new KvorumStore({ client: new DynamoDBClient(awsClientConfig('dynamodb', env.DYNAMODB_ENDPOINT)), tableName, clock }));
  const mailer = once(
    () =>
      new Mailer({
        ses: new SESv2Client(awsClientConfig('ses', env.SES_ENDPOINT)),
        from: senderAddress,
        ledger: store().mail,
        clock,
        ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
      }),
  );
  return {
    get store() {
      return store();
    },
    get mailer() {
      return mailer();
    },
    clock,
    calendar: russianCalendar,
    publicBaseUrl,
    stateMachineArn: env.STATE_MACHINE_ARN ?? '',
    senderAddress,
    ...(env.OPS_EMAIL ? { opsAddress: env.OPS_EMAIL } : {}),
  };
}
