import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentIntegrityError, DocumentStore, documentKeys, sha256Hex } from '../../../functions/store/documents.ts';
import { startS3, type RunningS3 } from '../../support/s3.ts';

describe('DocumentStore (s3rver through @aws-sdk/client-s3)', () => {
  let s3: RunningS3;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(() => s3.stop());

  it('stores and reads back text and binary documents byte for byte, with their SHA-256', async () => {
    const html = `<!DOCTYPE html><p>${'Протокол заседания рабочей группы. '.repeat(20_000)}</p>`;
    const hash = sha256Hex(html);
    const key = documentKeys.protocolHtml('m-1', 3, hash);
    expect(key).toBe(`meetings/m-1/protocol/v3-${hash}.html`);
    const stored = await s3.documents.put(key, html, 'text/html; charset=utf-8');
    expect(stored).toEqual({ key, sha256: hash, bytes: Buffer.byteLength(html, 'utf8') });
    expect((await s3.documents.getVerified(key, hash)).toString('utf8')).toBe(html);

    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff, 0xfe, 0x80, 0x0a]);
    const pdfKey = documentKeys.signedProtocol('m-1', sha256Hex(pdf), 'pdf');
    await s3.documents.put(pdfKey, pdf, 'application/pdf');
    expect((await s3.documents.get(pdfKey))?.equals(pdf)).toBe(true);
  });

  it('answers null for a missing key and refuses an object whose bytes do not match the recorded hash', async () => {
    expect(await s3.documents.get('meetings/none/protocol/v1-0.html')).toBeNull();
    await expect(s3.documents.getVerified('meetings/none/protocol/v1-0.html', '0'.repeat(64))).rejects.toBeInstanceOf(DocumentIntegrityError);
    await s3.documents.put('meetings/m-2/protocol/v1-x.json', '{"a":1}', 'application/json');
    await expect(s3.documents.getVerified('meetings/m-2/protocol/v1-x.json', sha256Hex('{"a":2}'))).rejects.toThrow(/has SHA-256/);
  });

  it('refuses to work without a bucket (DOCUMENTS_BUCKET unset), before any request', async () => {
    const unconfigured = new DocumentStore({ bucket: undefined, client: s3.client });
    await expect(unconfigured.put('k', 'x', 'text/plain')).rejects.toThrow(/DOCUMENTS_BUCKET/);
  });

  it('builds its own client from the configuration on first use (as depsFromEnv does with S3_ENDPOINT)', async () => {
    const fromEnv = new DocumentStore({
      bucket: s3.bucket,
      config: { endpoint: s3.endpoint, forcePathStyle: true, region: 'eu-central-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    });
    await fromEnv.put('meetings/m-3/protocol/v1-a.html', '<p>a</p>', 'text/html');
    expect((await s3.documents.get('meetings/m-3/protocol/v1-a.html'))?.toString()).toBe('<p>a</p>');
  });
});
