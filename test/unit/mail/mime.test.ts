import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  base64Lines,
  buildMimeMessage,
  encodeHeaderWords,
  filenameParameter,
  formatAddress,
  rfc5322Date,
} from '../../../functions/mail/mime.ts';

const pdf = Buffer.from('%PDF-1.4\n% fake but binary: \u0000\u00ff\n%%EOF', 'latin1');

function message(overrides: Partial<Parameters<typeof buildMimeMessage>[0]> = {}) {
  return buildMimeMessage({
    from: { name: 'Kvorum — секретариат', email: 'kvorum@example.org' },
    to: { name: 'Иванова Мария', email: 'maria@example.org' },
    subject: 'Уведомление о заседании рабочей группы: благоустройство',
    text: 'Текст письма\nвторая строка',
    html: '<p>Текст письма</p>',
    attachments: [
      { filename: 'Протокол № 3.pdf', contentType: 'application/pdf', content: pdf },
      { filename: 'invite.ics', contentType: 'text/calendar; charset=UTF-8; method=REQUEST', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' },
    ],
    date: new Date('2026-03-10T07:00:00Z'),
    messageId: 'abc-123@example.org',
    ...overrides,
  });
}

describe('MIME encoder', () => {
  it('is 7-bit ASCII with CRLF line ends and no line over 998 octets', () => {
    const raw = message();
    expect(/^[\x00-\x7f]*$/.test(raw)).toBe(true);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });

  it('a mail client reads subject, addresses, date, message id, both bodies and attachments', async () => {
    const parsed = await simpleParser(message());
    expect(parsed.subject).toBe('Уведомление о заседании рабочей группы: благоустройство');
    expect(parsed.from?.value[0]).toMatchObject({ name: 'Kvorum — секретариат', address: 'kvorum@example.org' });
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
    expect(to?.value[0]).toMatchObject({ name: 'Иванова Мария', address: 'maria@example.org' });
    expect(parsed.date?.toISOString()).toBe('2026-03-10T07:00:00.000Z');
    expect(parsed.messageId).toBe('<abc-123@example.org>');
    expect(parsed.text).toBe('Текст письма\nвторая строка');
    expect(parsed.html).toContain('<p>Текст письма</p>');
    const files = parsed.attachments.map((a) => ({ filename: a.filename, type: a.contentType }));
    expect(files).toEqual([
      { filename: 'Протокол № 3.pdf', type: 'application/pdf' },
      { filename: 'invite.ics', type: 'text/calendar' },
    ]);
    expect(parsed.attachments[0]?.content.equals(pdf)).toBe(true);
    expect(parsed.headers.get('mime-version')).toBe('1.0');
    const contentType = parsed.headers.get('content-type') as { value: string };
    expect(contentType.value).toBe('multipart/mixed');
  });

  it('RFC 2047 subject words are ≤ 75 chars and decode back to any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), async (subject) => {
        const encoded = encodeHeaderWords(subject);
        for (const line of encoded.split('\r\n')) expect(line.trim().length).toBeLessThanOrEqual(75);
        const parsed = await simpleParser(message({ subject }));
        // Line breaks are removed (no header injection); mailparser trims surrounding spaces.
        expect(parsed.subject ?? '').toBe(subject.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim());
      }),
      { numRuns: 60 },
    );
  });

  it('RFC 2231 filenames survive long Cyrillic names', async () => {
    const filename = `Особое мнение члена рабочей группы Петрова по вопросу ${'о'.repeat(40)}.pdf`;
    expect(filenameParameter('filename', filename)).toMatch(/^filename\*0\*=UTF-8''/);
    const parsed = await simpleParser(
      message({ attachments: [{ filename, contentType: 'application/pdf', content: pdf }] }),
    );
    expect(parsed.attachments[0]?.filename).toBe(filename);
  });

  it('header injection through a name or subject is neutralised', async () => {
    const raw = message({
      subject: 'Hello\r\nBcc: victim@example.org',
      to: { name: 'Evil\r\nBcc: other@example.org', email: 'maria@example.org' },
    });
    expect(raw).not.toMatch(/^Bcc:/m);
    const parsed = await simpleParser(raw);
    expect(parsed.bcc).toBeUndefined();
  });

  it('rejects invalid addresses and content types', () => {
    expect(() => formatAddress('not an address')).toThrow();
    expect(() => formatAddress({ email: 'a@b.org>\r\nBcc: x@y.org' })).toThrow();
    expect(() =>
      message({ attachments: [{ filename: 'a', contentType: 'text/plain\r\nX-Evil: 1', content: 'x' }] }),
    ).toThrow();
  });

  it('base64 lines are 76 characters and decode to the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => {
        const lines = base64Lines(Buffer.from(bytes)).split('\r\n');
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(76);
        expect(Buffer.from(lines.join(''), 'base64').equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('formats the Date header per RFC 5322', () => {
    expect(rfc5322Date(new Date('2026-03-10T07:05:09Z'))).toBe('Tue, 10 Mar 2026 07:05:09 +0000');
  });
});
