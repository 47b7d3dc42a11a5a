/**
 * The S3 emulator (s3rver) for a test suite: a free port, a temporary data directory removed on stop,
 * and the documents bucket; reached through the real @aws-sdk/client-s3, like dynalite for DynamoDB.
 *
 *   const s3 = await startS3();
 *   afterAll(() => s3.stop());
 */
import { DocumentStore } from '../../functions/store/documents.ts';
import { startS3Emulator, type S3Emulator } from '../../local/emulators/s3.ts';

export interface RunningS3 extends S3Emulator {
  /** A document store on the emulator's bucket. */
  documents: DocumentStore;
}

export async function startS3(): Promise<RunningS3> {
  const emulator = await startS3Emulator({ directory: null });
  return { ...emulator, documents: new DocumentStore({ bucket: emulator.bucket, client: emulator.client }) };
}
