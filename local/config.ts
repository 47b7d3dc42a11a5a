/**
 * What `npm start` takes from the environment, read and checked in one pure function so a typo fails
 * at start with the variable's name, not later with a connection error.
 *
 * - `PORT`, `SES_PORT`, `SFN_PORT`, `DYNAMODB_PORT`, `S3_PORT`: where the parts listen.
 * - `SES_ENDPOINT`: send real mail through this SES v2-compatible service instead of starting the
 *   aws-ses-v2-local emulator; signed for `AWS_REGION` (default eu-central-1), with credentials from the standard AWS chain
 *   (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, …). `SENDER_ADDRESS` is then the From
 *   address (it must be an identity verified with that service).
 * - `PUBLIC_BASE_URL`: the base of the links in e-mails, when people reach this machine by another
 *   address than `http://127.0.0.1:<PORT>` (a reverse proxy, a host name).
 * - `LINK_SECRET`, `LINK_SECRET_PREVIOUS`: the link-signing keyring (default: a fixed local secret); a
 *   rotation moves the old value to `LINK_SECRET_PREVIOUS`, and links signed with it keep working.
 * - `KVORUM_DATA_DIR`: where the data is kept (default `.data/` in the repository); `npm run backup` /
 *   `restore` read the same variable.
 */
import path from 'node:path';

export const DEFAULT_REGION = 'eu-central-1';
export const LOCAL_SENDER_ADDRESS = 'kvorum@kvorum.local';

export interface LocalPorts {
  http: number;
  mailbox: number;
  sfn: number;
  dynamodb: number;
  s3: number;
}

export type LocalMailConfig =
  | { kind: 'emulator'; senderAddress: string }
  | { kind: 'ses'; endpoint: string; region: string; senderAddress: string };

export interface LocalConfig {
  ports: LocalPorts;
  mail: LocalMailConfig;
  /** Absent: the local HTTP server's own URL. */
  publicBaseUrl?: string;
  /** Absent: the local system's fixed secret. */
  linkKeyring?: { current: string; previous?: string };
}

export class LocalConfigError extends Error {
  override name = 'LocalConfigError';
}

type Env = Record<string, string | undefined>;

const set = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function portOf(env: Env, name: string, fallback: number): number {
  const value = set(env, name);
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new LocalConfigError(`${name}=${value}: a port number 0–65535 is expected.`);
  return port;
}

function urlOf(env: Env, name: string): string | undefined {
  const value = set(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LocalConfigError(`${name}=${value}: an absolute http(s) URL is expected.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LocalConfigError(`${name}=${value}: an http(s) URL is expected.`);
  if (url.search || url.hash) throw new LocalConfigError(`${name}=${value}: no query or fragment is allowed.`);
  return value.replace(/\/+$/, '');
}

function regionOf(env: Env): string {
  const region = set(env, 'AWS_REGION') ?? DEFAULT_REGION;
  // Loose on purpose: SES-compatible services name regions their own way (Yandex Cloud Postbox: ru-central1).
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(region)) throw new LocalConfigError(`AWS_REGION=${region}: a region name like eu-central-1 is expected.`);
  return region;
}

function senderOf(env: Env, fallback: string | undefined): string {
  const sender = set(env, 'SENDER_ADDRESS') ?? fallback;
  if (sender === undefined) throw new LocalConfigError('SES_ENDPOINT is set: SENDER_ADDRESS (an address verified with that service) must be set too.');
  if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(sender)) throw new LocalConfigError(`SENDER_ADDRESS=${sender}: an e-mail address is expected.`);
  return sender;
}

export function localConfigFromEnv(env: Env): LocalConfig {
  const ports: LocalPorts = {
    http: portOf(env, 'PORT', 3000),
    mailbox: portOf(env, 'SES_PORT', 8005),
    sfn: portOf(env, 'SFN_PORT', 4584),
    dynamodb: portOf(env, 'DYNAMODB_PORT', 4567),
    s3: portOf(env, 'S3_PORT', 4569),
  };
  const sesEndpoint = urlOf(env, 'SES_ENDPOINT');
  const mail: LocalMailConfig = sesEndpoint
    ? { kind: 'ses', endpoint: sesEndpoint, region: regionOf(env), senderAddress: senderOf(env, undefined) }
    : { kind: 'emulator', senderAddress: senderOf(env, LOCAL_SENDER_ADDRESS) };
  const publicBaseUrl = urlOf(env, 'PUBLIC_BASE_URL');
  const linkKeyring = keyringOf(env);
  return { ports, mail, ...(publicBaseUrl ? { publicBaseUrl } : {}), ...(linkKeyring ? { linkKeyring } : {}) };
}

function keyringOf(env: Env): LocalConfig['linkKeyring'] {
  const current = set(env, 'LINK_SECRET');
  const previous = set(env, 'LINK_SECRET_PREVIOUS');
  if (previous && !current) throw new LocalConfigError('LINK_SECRET_PREVIOUS is set: LINK_SECRET (the current secret) must be set too.');
  for (const [name, value] of [['LINK_SECRET', current], ['LINK_SECRET_PREVIOUS', previous]] as const) {
    if (value !== undefined && value.length < 16) throw new LocalConfigError(`${name}: at least 16 characters are expected.`);
  }
  return current ? { current, ...(previous ? { previous } : {}) } : undefined;
}

/** The start-up lines saying where mail goes and which base the e-mailed links use. */
export function describeLocalConfig(config: LocalConfig, httpUrl: string): string[] {
  const mail =
    config.mail.kind === 'ses'
      ? `real mail through ${config.mail.endpoint} (SES_ENDPOINT; region ${config.mail.region}, credentials from the AWS environment), from ${config.mail.senderAddress}`
      : `the aws-ses-v2-local emulator (nothing leaves this machine), from ${config.mail.senderAddress}`;
  const links = config.publicBaseUrl ? `${config.publicBaseUrl} (PUBLIC_BASE_URL; served at ${httpUrl})` : `${httpUrl} (set PUBLIC_BASE_URL to change)`;
  return [`E-mail:                             ${mail}`, `Links in e-mails start with:        ${links}`];
}

/** Where `npm start` keeps its data (the table, documents, clock, issuer key), and the scripts find it. */
export function dataDirFromEnv(env: Env, root: string): string {
  const dir = set(env, 'KVORUM_DATA_DIR');
  return dir ? path.resolve(dir) : path.join(root, '.data');
}
