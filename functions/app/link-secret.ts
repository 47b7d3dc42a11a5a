/**
 * The link-signing secret of a handler: from its deps (the local system and the tests hand one in),
 * else from the environment — Secrets Manager (LINK_SECRET_ARN) in AWS, LINK_SECRET otherwise —
 * read once per container. Only the modules that sign or check links import this, so only their
 * functions' bundles contain the Secrets Manager client.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deps } from './deps.ts';

let fromEnv: Promise<string> | undefined;

export function linkSecretOf(deps: Pick<Deps, 'linkSecret'>): Promise<string> {
  if (deps.linkSecret) return deps.linkSecret();
  fromEnv ??= readSecret(process.env).catch((error: unknown) => {
    fromEnv = undefined; // a failed read (throttling, a network error) is retried by the next call
    throw error;
  });
  return fromEnv;
}

async function readSecret(env: NodeJS.ProcessEnv): Promise<string> {
  if (!env.LINK_SECRET_ARN) {
    if (!env.LINK_SECRET) throw new Error('Environment variable LINK_SECRET is not set');
    return env.LINK_SECRET;
  }
  const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: env.LINK_SECRET_ARN }));
  if (!SecretString) throw new Error('link-signing secret is empty');
  return SecretString;
}
