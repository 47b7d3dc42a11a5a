/**
 * The link-signing keyring of a handler: from its deps (the local system and the tests hand one in),
 * else from the environment — Secrets Manager (LINK_SECRET_ARN: its AWSCURRENT and AWSPREVIOUS
 * versions) in AWS, LINK_SECRET and LINK_SECRET_PREVIOUS otherwise. Links are signed with the current
 * secret and checked against both, so a rotation (README «Rotating the link secret») keeps every
 * e-mailed link working. Read at most every 5 minutes per container, so a rotation reaches warm
 * containers without a deploy. Only the modules that sign or check links import this, so only their
 * functions' bundles contain the Secrets Manager client.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from '../lib/aws-clients.ts';
import type { LinkKeyring } from '../links/tokens.ts';
import type { Deps } from './deps.ts';

/** How long a container keeps the keyring it read. */
export const KEYRING_CACHE_MS = 5 * 60_000;

let cached: { keyring: Promise<LinkKeyring>; readAt: number } | undefined;
let client: SecretsManagerClient | undefined;

export function linkKeyringOf(deps: Pick<Deps, 'linkSecret'>): Promise<LinkKeyring> {
  if (deps.linkSecret) return deps.linkSecret();
  const now = Date.now();
  if (!cached || now - cached.readAt >= KEYRING_CACHE_MS) {
    const keyring = readKeyring(process.env).catch((error: unknown) => {
      cached = undefined; // a failed read (throttling, a network error) is retried by the next call
      throw error;
    });
    cached = { keyring, readAt: now };
  }
  return cached.keyring;
}

async function readKeyring(env: NodeJS.ProcessEnv): Promise<LinkKeyring> {
  if (!env.LINK_SECRET_ARN) {
    if (!env.LINK_SECRET) throw new Error('Environment variable LINK_SECRET is not set');
    return { current: env.LINK_SECRET, ...(env.LINK_SECRET_PREVIOUS ? { previous: env.LINK_SECRET_PREVIOUS } : {}) };
  }
  client ??= new SecretsManagerClient(awsClientConfig('secrets'));
  const [current, previous] = await Promise.all([readVersion(env.LINK_SECRET_ARN, 'AWSCURRENT'), readVersion(env.LINK_SECRET_ARN, 'AWSPREVIOUS')]);
  if (!current) throw new Error('link-signing secret is empty');
  return { current, ...(previous ? { previous } : {}) };
}

/** One staged version; a secret never rotated has no AWSPREVIOUS. */
async function readVersion(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string | undefined> {
  try {
    const { SecretString } = await client!.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    return SecretString || undefined;
  } catch (error) {
    if (stage === 'AWSPREVIOUS' && (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}
