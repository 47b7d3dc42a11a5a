import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { russianCalendar, type ProductionCalendar } from '../calendar/index.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { Mailer } from '../mail/mailer.ts';
import { KvorumStore } from '../store/store.ts';

/**
 * Everything a handler needs from the outside world, built once per Lambda container from the
 * environment (the CDK stack sets it), or handed in whole by the local runtime and the tests —
 * which run the same handlers against dynalite, aws-ses-v2-local and the local Step Functions.
 */
export interface Deps {
  store: KvorumStore;
  mailer: Mailer;
  sfn: SFNClient;
  clock: Clock;
  calendar: ProductionCalendar;
  /** The link-signing secret (Secrets Manager in AWS). */
  linkSecret(): Promise<string>;
  /** Base URL of the HTTP API, e.g. "https://abc.execute-api.eu-central-1.amazonaws.com". */
  publicBaseUrl: string;
  stateMachineArn: string;
  /** Group mailbox shown as the calendar organiser. */
  senderAddress: string;
  /** Who runs the system (stack parameter OpsEmail; locally the demo secretary): told when the production calendar runs out. */
  opsAddress?: string;
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

export function depsFromEnv(env: NodeJS.ProcessEnv): Deps {
  const endpoint = (name: string) => (env[name] ? { endpoint: env[name] } : {});
  const clock = systemClock;
  const store = new KvorumStore({ client: new DynamoDBClient({ ...endpoint('DYNAMODB_ENDPOINT') }), tableName: required(env, 'TABLE_NAME'), clock });
  const senderAddress = required(env, 'SENDER_ADDRESS');
  const mailer = new Mailer({
    ses: new SESv2Client({ ...endpoint('SES_ENDPOINT') }),
    from: senderAddress,
    ledger: store,
    clock,
    ...(env.SES_CONFIGURATION_SET ? { configurationSetName: env.SES_CONFIGURATION_SET } : {}),
  });
  let secret: Promise<string> | undefined;
  const secretArn = env.LINK_SECRET_ARN;
  return {
    store,
    mailer,
    sfn: new SFNClient({ ...endpoint('SFN_ENDPOINT') }),
    clock,
    calendar: russianCalendar,
    linkSecret: () => {
      secret ??= secretArn
        ? new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn })).then((r) => {
            if (!r.SecretString) throw new Error('link-signing secret is empty');
            return r.SecretString;
          })
        : Promise.resolve(required(env, 'LINK_SECRET'));
      return secret;
    },
    publicBaseUrl: required(env, 'PUBLIC_BASE_URL').replace(/\/$/, ''),
    stateMachineArn: env.STATE_MACHINE_ARN ?? '',
    senderAddress,
    ...(env.OPS_EMAIL ? { opsAddress: env.OPS_EMAIL } : {}),
  };
}
