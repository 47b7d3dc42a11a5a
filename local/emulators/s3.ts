/**
 * s3rver, an S3 emulator in this process, for the local runtime (`npm start`) and the tests: the same
 * `@aws-sdk/client-s3` the functions use talks to it (path-style addressing, its fixed credentials).
 * The documents bucket exists from the start. Data lives in `directory` (`npm start`: .data/s3), or
 * in a temporary directory removed on stop.
 *
 *   const s3 = await startS3Emulator({ directory: null });
 *   ... new DocumentStore({ bucket: s3.bucket, client: s3.client })
 *   await s3.stop();
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../../functions/lib/aws-clients.ts';

interface S3rverOptions {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (options: S3rverOptions) => S3rverServer;

/** s3rver accepts only its own key pair (it checks request signatures). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const LOCAL_DOCUMENTS_BUCKET = 'kvorum-documents';

export interface S3Emulator {
  endpoint: string;
  bucket: string;
  /** A client for the emulator (the functions build theirs from S3_ENDPOINT the same way). */
  client: S3Client;
  directory: string;
  stop(): Promise<void>;
}

export async function startS3Emulator(options: { directory: string | null; port?: number; bucket?: string; region?: string }): Promise<S3Emulator> {
  const temporary = options.directory === null;
  const directory = options.directory ?? mkdtempSync(path.join(tmpdir(), 'kvorum-s3-'));
  mkdirSync(directory, { recursive: true });
  const bucket = options.bucket ?? LOCAL_DOCUMENTS_BUCKET;
  const server = new S3rver({ port: options.port ?? 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ ...awsClientConfig('s3', endpoint), region: options.region ?? 'eu-central-1', forcePathStyle: true, credentials: CREDENTIALS });
  let stopped = false;
  return {
    endpoint,
    bucket,
    client,
    directory,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await server.close();
      if (temporary) rmSync(directory, { recursive: true, force: true });
    },
  };
}
