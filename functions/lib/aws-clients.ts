/**
 * How every AWS SDK client of Kvorum talks to its service, in AWS and locally (issue 10): a bounded
 * connection and request time, so a hung call fails the attempt instead of the whole step, and SES
 * without the SDK's own retries — each SendEmail is one attempt of one ledger lease
 * (functions/mail/mailer.ts), so an accepted e-mail whose reply is lost is not sent again at once.
 */
export type AwsService = 'dynamodb' | 'ses' | 'sfn' | 's3' | 'secrets';

/** Milliseconds: a large raw e-mail or document upload gets longer than a table read. */
export const REQUEST_TIMEOUT_MS: Record<AwsService, number> = { dynamodb: 5_000, ses: 15_000, sfn: 5_000, s3: 20_000, secrets: 5_000 };
export const CONNECTION_TIMEOUT_MS = 3_000;

export interface AwsClientConfig {
  requestHandler: { requestTimeout: number; connectionTimeout: number; throwOnRequestTimeout: true };
  maxAttempts: number;
  endpoint?: string;
}

/**
 * The client options of one service; `endpoint` points at an emulator or an SES-compatible service.
 * `requestTimeoutMs` overrides the service's timeout (tests of a hung service).
 */
export function awsClientConfig(service: AwsService, endpoint?: string, overrides: { requestTimeoutMs?: number | undefined } = {}): AwsClientConfig {
  return {
    // Without throwOnRequestTimeout, @smithy/node-http-handler only logs a warning when the time is up.
    requestHandler: { requestTimeout: overrides.requestTimeoutMs ?? REQUEST_TIMEOUT_MS[service], connectionTimeout: CONNECTION_TIMEOUT_MS, throwOnRequestTimeout: true },
    maxAttempts: service === 'ses' ? 1 : 3,
    ...(endpoint ? { endpoint } : {}),
  };
}
