import { getDeps } from '../app/deps.ts';
import { sendSecretaryDigests, type DigestResult } from '../app/secretary-digest.ts';

/** Daily EventBridge schedule → every group's secretary gets the digest of the last 24 hours. */
export const handler = async (): Promise<DigestResult> => sendSecretaryDigests(getDeps());
