/**
 * The document store of a handler: the one its deps hold (the local system and the tests hand one
 * in), else one made from the environment on first use (DOCUMENTS_BUCKET; S3_ENDPOINT for an
 * emulator). Only the modules that read or write protocol documents import this, so only their
 * functions' bundles contain the S3 client.
 */
import { DocumentStore } from '../store/documents.ts';
import type { Deps } from './deps.ts';
import { awsClientConfig } from '../lib/aws-clients.ts';

let fromEnv: DocumentStore | undefined;

export function documentsOf(deps: Pick<Deps, 'documents'>): DocumentStore {
  if (deps.documents) return deps.documents;
  const env = process.env;
  fromEnv ??= new DocumentStore({ bucket: env.DOCUMENTS_BUCKET, config: { ...awsClientConfig('s3', env.S3_ENDPOINT), ...(env.S3_ENDPOINT ? { forcePathStyle: true } : {}) } });
  return fromEnv;
}
