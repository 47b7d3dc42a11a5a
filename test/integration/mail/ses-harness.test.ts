/** The reusable SES harness: private stores per instance, the web mailbox, raw capture, clean stop. */
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSesLocal, type SesLocal } from '../../support/ses.ts';

describe('startSesLocal', () => {
  let a: SesLocal;
  let b: SesLocal;
  beforeAll(async () => {
    [a, b] = await Promise.all([startSesLocal(), startSesLocal()]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('two instances run on different ports with separate mailboxes', async () => {
    expect(a.endpoint).not.toBe(b.endpoint);
    await a.client.send(
      new SendEmailCommand({
        FromEmailAddress: 'kvorum@example.org',
        Destination: { ToAddresses: ['x@example.org'] },
        Content: { Simple: { Subject: { Data: 'Тема' }, Body: { Text: { Data: 'Текст' } } } },
      }),
    );
    const inA = await a.fetchMessages();
    expect(inA.map((m) => m.subject)).toEqual(['Тема']);
    expect(inA[0]?.raw).toBeUndefined(); // Simple content has no raw MIME to keep
    expect(await b.fetchMessages()).toEqual([]);
    await a.clear();
    expect(await a.fetchMessages()).toEqual([]);
  });

  it('serves the web mailbox', async () => {
    const res = await fetch(a.mailboxUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<html');
  });

  it('stop() ends the emulator and the proxy', async () => {
    const c = await startSesLocal();
    const endpoint = c.endpoint;
    await c.stop();
    await expect(fetch(`${endpoint}/store`)).rejects.toThrow();
  });
});
