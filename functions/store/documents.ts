/**
 * The document store: protocol documents (every signable HTML version, its narrative, the signed PDF
 * and HTML) as objects in one private S3 bucket — in AWS the stack's documents bucket, locally an S3
 * emulator reached through the same `@aws-sdk/client-s3`. DynamoDB items keep only the keys and the
 * SHA-256 of what is stored here.
 *
 * Keys are content-addressed (the hash is part of the key), so a key is written once with one content
 * and a retried write of the same document rewrites the same bytes. The SDK is loaded on first use:
 * functions that never touch a document never initialise it.
 */
import { createHash } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';

export interface DocumentStoreOptions {
  /** The bucket (env DOCUMENTS_BUCKET); a store without one refuses every call. */
  bucket: string | undefined;
  /** A ready client (tests, the local system); otherwise one is made from `config` on first use. */
  client?: S3Client;
  config?: S3ClientConfig;
}

export interface StoredDocument {
  key: string;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  bytes: number;
}

export class DocumentIntegrityError extends Error {
  override readonly name = 'DocumentIntegrityError';
}

type S3Module = typeof import('@aws-sdk/client-s3');

export class DocumentStore {
  private readonly bucketName: string | undefined;
  private readonly config: S3ClientConfig;
  private client: S3Client | undefined;
  private sdk: Promise<S3Module> | undefined;

  constructor(options: DocumentStoreOptions) {
    this.bucketName = options.bucket;
    this.client = options.client;
    this.config = options.config ?? {};
  }

  private get bucket(): string {
    if (!this.bucketName) throw new Error('Environment variable DOCUMENTS_BUCKET is not set');
    return this.bucketName;
  }

  private async s3(): Promise<{ sdk: S3Module; client: S3Client }> {
    this.sdk ??= import('@aws-sdk/client-s3');
    const sdk = await this.sdk;
    this.client ??= new sdk.S3Client(this.config);
    return { sdk, client: this.client };
  }

  /** Stores the bytes under `key` (S3 checks them against the SHA-256 sent along). */
  async put(key: string, body: string | Uint8Array, contentType: string): Promise<StoredDocument> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    const digest = createHash('sha256').update(bytes).digest();
    const { sdk, client } = await this.s3();
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: contentType,
        ChecksumSHA256: digest.toString('base64'),
      }),
    );
    return { key, sha256: digest.toString('hex'), bytes: bytes.length };
  }

  /** The object's bytes, or null when there is no such key. */
  async get(key: string): Promise<Buffer | null> {
    const { sdk, client } = await this.s3();
    try {
      const object = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!object.Body) return Buffer.alloc(0);
      return Buffer.from(await object.Body.transformToByteArray());
    } catch (error) {
      if (error instanceof sdk.NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  /** The object's bytes, checked against the SHA-256 recorded for it; a missing or altered object throws. */
  async getVerified(key: string, sha256: string): Promise<Buffer> {
    const bytes = await this.get(key);
    if (!bytes) throw new DocumentIntegrityError(`Document ${key} is missing`);
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw new DocumentIntegrityError(`Document ${key} has SHA-256 ${actual}, expected ${sha256}`);
    return bytes;
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Where each protocol document lives; the hash in the key makes each key hold one content only. */
export const documentKeys = {
  /** The signable HTML of one version; `hash` is what the signers sign. */
  protocolHtml: (meetingId: string, version: number, hash: string) => `meetings/${meetingId}/protocol/v${version}-${hash}.html`,
  /** СЛУШАЛИ / ВЫСТУПИЛИ of one version, as JSON. */
  protocolNarrative: (meetingId: string, version: number, sha256: string) => `meetings/${meetingId}/protocol/v${version}-narrative-${sha256}.json`,
  /** The signed protocol as distributed (п. 3.4). */
  signedProtocol: (meetingId: string, sha256: string, extension: 'pdf' | 'html') => `meetings/${meetingId}/protocol/signed-${sha256}.${extension}`,
};
