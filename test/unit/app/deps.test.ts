/**
 * depsFromEnv (the Lambda's deps): the environment is checked at once, and each SDK client is built
 * on first use only, once per container — the Step Functions client, the document store and the link
 * secret by their accessors (sfnOf, documentsOf, linkKeyringOf), only in the functions that use them.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const constructed = vi.hoisted(() => ({ dynamodb: 0, sesv2: 0, sfn: 0, secrets: 0 }));
/** Scripted answers of Secrets Manager per version stage (AWSCURRENT, AWSPREVIOUS). */
const secretAnswers = vi.hoisted((): Record<string, (string | Error)[]> => ({ AWSCURRENT: [], AWSPREVIOUS: [] }));

vi.mock('@aws-sdk/client-dynamodb', async (original) => {
  const sdk = await original<typeof import('@aws-sdk/client-dynamodb')>();
  class DynamoDBClient extends sdk.DynamoDBClient {
    constructor(...args: ConstructorParameters<typeof sdk.DynamoDBClient>) {
      super(...args);
      constructed.dynamodb += 1;
    }
  }
  return { ...sdk, DynamoDBClient };
});
vi.mock('@aws-sdk/client-sesv2', async (original) => {
  const sdk = await original<typeof import('@aws-sdk/client-sesv2')>();
  class SESv2Client extends sdk.SESv2Client {
    constructor(...args: ConstructorParameters<typeof sdk.SESv2Client>) {
      super(...args);
      constructed.sesv2 += 1;
    }
  }
  return { ...sdk, SESv2Client };
});
vi.mock('@aws-sdk/client-sfn', async (original) => {
  const sdk = await original<typeof import('@aws-sdk/client-sfn')>();
  class SFNClient extends sdk.SFNClient {
    constructor(...args: ConstructorParameters<typeof sdk.SFNClient>) {
      super(...args);
      constructed.sfn += 1;
    }
  }
  return { ...sdk, SFNClient };
});
vi.mock('@aws-sdk/client-secrets-manager', async (original) => {
  const sdk = await original<typeof import('@aws-sdk/client-secrets-manager')>();
  class SecretsManagerClient extends sdk.SecretsManagerClient {
    constructor(...args: ConstructorParameters<typeof sdk.SecretsManagerClient>) {
      super(...args);
      constructed.secrets += 1;
    }
    // No network: each call takes the next scripted answer.
    override send = (async (command: { input: { VersionStage: string } }) => {
      const answer = secretAnswers[command.input.VersionStage]!.shift();
      if (answer instanceof Error) throw answer;
      return { SecretString: answer };
    }) as never;
  }
  return { ...sdk, SecretsManagerClient };
});

const env = {
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: 'kvorum',
  SENDER_ADDRESS: 'kvorum@wg.example.org',
  PUBLIC_BASE_URL: 'https://api.example.org/',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
};

/** Fresh modules for each test: the clients made from the environment are kept per module instance. */
async function load() {
  vi.resetModules();
  const [{ depsFromEnv }, { sfnOf }, { documentsOf }, { linkKeyringOf, KEYRING_CACHE_MS }] = await Promise.all([
    import('../../../functions/app/deps.ts'),
    import('../../../functions/app/sfn-client.ts'),
    import('../../../functions/app/document-store.ts'),
    import('../../../functions/app/link-secret.ts'),
  ]);
  return { depsFromEnv, sfnOf, documentsOf, linkKeyringOf, KEYRING_CACHE_MS };
}

describe('depsFromEnv and the clients made on first use', () => {
  beforeEach(() => {
    for (const key of Object.keys(constructed) as (keyof typeof constructed)[]) constructed[key] = 0;
    secretAnswers.AWSCURRENT = [];
    secretAnswers.AWSPREVIOUS = [];
    vi.unstubAllEnvs();
  });

  it('builds no SDK client until one is used', async () => {
    const { depsFromEnv } = await load();
    const deps = depsFromEnv(env);
    expect(deps.publicBaseUrl).toBe('https://api.example.org');
    expect(deps.sfn).toBeUndefined();
    expect(deps.documents).toBeUndefined();
    expect(constructed).toEqual({ dynamodb: 0, sesv2: 0, sfn: 0, secrets: 0 });
  });

  it('builds the DynamoDB and SES clients on first use, once', async () => {
    const { depsFromEnv } = await load();
    const deps = depsFromEnv(env);
    const store = deps.store;
    expect(deps.store).toBe(store);
    expect(constructed).toEqual({ dynamodb: 1, sesv2: 0, sfn: 0, secrets: 0 });
    expect(deps.mailer).toBe(deps.mailer);
    expect(constructed).toEqual({ dynamodb: 1, sesv2: 1, sfn: 0, secrets: 0 });
  });

  it('checks the environment at once, before any client is used', async () => {
    const { depsFromEnv } = await load();
    const { TABLE_NAME: _omitted, ...withoutTable } = env;
    expect(() => depsFromEnv(withoutTable)).toThrow('Environment variable TABLE_NAME is not set');
  });

  it('sfnOf and documentsOf: the ones handed in, else one each made from the environment', async () => {
    const { depsFromEnv, sfnOf, documentsOf } = await load();
    const given = { sfn: {} as never, documents: {} as never };
    expect(sfnOf(given)).toBe(given.sfn);
    expect(documentsOf(given)).toBe(given.documents);
    expect(constructed.sfn).toBe(0);
    const deps = depsFromEnv(env);
    const sfn = sfnOf(deps);
    expect(sfnOf(depsFromEnv(env))).toBe(sfn);
    expect(constructed.sfn).toBe(1);
    expect(documentsOf(deps)).toBe(documentsOf(depsFromEnv(env)));
  });

  it('linkKeyringOf: the one handed in, else LINK_SECRET (+ LINK_SECRET_PREVIOUS), else Secrets Manager (a failed read is retried)', async () => {
    const { depsFromEnv, linkKeyringOf } = await load();
    expect(await linkKeyringOf({ linkSecret: async () => ({ current: 'handed-in' }) })).toEqual({ current: 'handed-in' });

    vi.stubEnv('LINK_SECRET', 'from-env');
    vi.stubEnv('LINK_SECRET_PREVIOUS', 'from-env-before');
    expect(await linkKeyringOf(depsFromEnv(env))).toEqual({ current: 'from-env', previous: 'from-env-before' });
    expect(constructed.secrets).toBe(0);

    const again = await load();
    vi.stubEnv('LINK_SECRET_ARN', 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:link');
    const notFound = Object.assign(new Error('no AWSPREVIOUS'), { name: 'ResourceNotFoundException' });
    secretAnswers.AWSCURRENT!.push(new Error('ThrottlingException'), 'from-secrets-manager');
    secretAnswers.AWSPREVIOUS!.push(notFound, notFound);
    const deps = again.depsFromEnv(env);
    await expect(again.linkKeyringOf(deps)).rejects.toThrow('ThrottlingException');
    expect(await again.linkKeyringOf(deps)).toEqual({ current: 'from-secrets-manager' });
    expect(await again.linkKeyringOf(deps)).toEqual({ current: 'from-secrets-manager' });
    expect(secretAnswers).toEqual({ AWSCURRENT: [], AWSPREVIOUS: [] });
  });

  it('linkKeyringOf: a rotation reaches a warm container within the cache time (current and previous)', async () => {
    const { depsFromEnv, linkKeyringOf, KEYRING_CACHE_MS } = await load();
    vi.stubEnv('LINK_SECRET_ARN', 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:link');
    vi.useFakeTimers({ now: Date.parse('2026-12-03T10:00:00Z'), toFake: ['Date'] });
    try {
      secretAnswers.AWSCURRENT!.push('first', 'second');
      secretAnswers.AWSPREVIOUS!.push(Object.assign(new Error('none'), { name: 'ResourceNotFoundException' }), 'first');
      const deps = depsFromEnv(env);
      expect(await linkKeyringOf(deps)).toEqual({ current: 'first' });
      vi.setSystemTime(Date.now() + KEYRING_CACHE_MS - 1);
      expect(await linkKeyringOf(deps)).toEqual({ current: 'first' });
      vi.setSystemTime(Date.now() + 1);
      expect(await linkKeyringOf(deps)).toEqual({ current: 'second', previous: 'first' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('linkKeyringOf: no secret configured is an error', async () => {
    const { depsFromEnv, linkKeyringOf } = await load();
    vi.stubEnv('LINK_SECRET', '');
    vi.stubEnv('LINK_SECRET_ARN', '');
    await expect(linkKeyringOf(depsFromEnv(env))).rejects.toThrow('Environment variable LINK_SECRET is not set');
  });
});
