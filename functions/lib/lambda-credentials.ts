/**
 * The AWS credentials inside a Lambda bundle: the function role's, which Lambda puts in the
 * environment. infra/bundling.ts aliases the SDK's default credential chain
 * (@aws-sdk/credential-provider-node) to this module. In Lambda that chain stops at its first source,
 * these same variables; the rest of it (profiles, SSO, web identity, container and instance metadata,
 * and the STS/SSO clients they use) never runs there, yet it is about 110 KiB of every bundle.
 * Tests, the local system and the scripts run unbundled and keep the SDK's own chain.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Same variables and result as the SDK's `fromEnv` (@aws-sdk/credential-provider-env). */
export function defaultProvider(): AwsCredentialIdentityProvider {
  return async () => {
    const env = process.env;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      const error = new Error('No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): this bundle is built for AWS Lambda, which sets them');
      error.name = 'CredentialsProviderError';
      throw error;
    }
    const credentials: AwsCredentialIdentity = {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      ...(env.AWS_CREDENTIAL_EXPIRATION ? { expiration: new Date(env.AWS_CREDENTIAL_EXPIRATION) } : {}),
      ...(env.AWS_CREDENTIAL_SCOPE ? { credentialScope: env.AWS_CREDENTIAL_SCOPE } : {}),
      ...(env.AWS_ACCOUNT_ID ? { accountId: env.AWS_ACCOUNT_ID } : {}),
    };
    return credentials;
  };
}
