/**
 * E-mails end to end through aws-ses-v2-local: built by messages.ts, encoded by mime.ts, sent once by
 * Mailer (SES v2 Content.Raw), read back from the emulator's store and parsed as a mail client would.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import ICAL from 'ical.js';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { Mailer, MailPending, stableMessageId, type SendKey } from '../../../functions/mail/mailer.ts';
import type { KvorumStore } from '../../../functions/store/store.ts';
import * as messages from '../../../functions/mail/messages.ts';
import type { MailMessage, MailRecipient, MeetingInfo } from '../../../functions/mail/types.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { startSesLocal, type SesLocal, type StoredEmail } from '../../support/ses.ts';
import { freshStore } from '../store/fixtures.ts';

const EVIL = '<script>alert("x")</script><b>bold</b>&amp;';
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;&amp;amp;';

const meeting: MeetingInfo = {
  id: 'mtg-2026-03',
  title: `О благоустройстве набережной ${EVIL}`,
  groupName: `Рабочая группа по ЖКХ ${EVIL}`,
  startsAt: '2026-03-10T07:00:00Z',
  endsAt: '2026-03-10T09:00:00Z',
  timeZone: 'Europe/Astrakhan',
  place: `Каб. 5; ул. Советская, 15 ${EVIL}`,
  revision: 0,
};
const organizer = { name: 'Kvorum', email: 'kvorum@example.org' };
const maria = { name: `Иванова Мария ${EVIL}`, lang: 'ru' as const, email: 'maria@example.org' };
const john = { name: `John Smith ${EVIL}`, lang: 'en' as const, email: 'john@example.org' };
const agenda = [
  { title: `Смета работ ${EVIL}`, speakers: [`Петров П. П. ${EVIL}`] },
  { title: 'Сроки, этапы; подрядчики' },
];
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from([0, 1, 2, 250, 251, 255]), Buffer.from('\n%%EOF\n')]);

let ses: SesLocal;
let clock: ManualClock;
let db: RunningDynalite;
let store: KvorumStore;
let mailer: Mailer;
let sent = 0;

beforeAll(async () => {
  [ses, db] = await Promise.all([startSesLocal({ requestTimeoutMs: 1_000 }), startDynalite()]);
});
afterAll(async () => {
  await Promise.all([ses?.stop(), db?.stop()]);
});
beforeEach(async () => {
  await ses.clear();
  ({ store, clock } = await freshStore(db, '2026-03-01T06:00:00Z'));
  mailer = new Mailer({ ses: ses.client, from: 'Kvorum <kvorum@example.org>', ledger: store.mail, clock, recordRetryDelaysMs: [] });
});

const key = (purpose: string, recipient = 'maria', revision = 0): SendKey => ({
  meetingId: meeting.id,
  purpose,
  recipient,
  revision,
});

async function sendAndRead(message: MailMessage, to: MailRecipient & { email: string } = maria): Promise<{ stored: StoredEmail; parsed: ParsedMail }> {
  const result = await mailer.send(key(`test-${++sent}`), message, { name: to.name, email: to.email });
  expect(result.status).toBe('sent');
  const stored = (await ses.fetchMessages()).find((e) => result.status === 'sent' && e.messageId === result.messageId);
  expect(stored?.raw).toBeInstanceOf(Buffer);
  return { stored: stored!, parsed: await simpleParser(stored!.raw!) };
}

function calendarOf(parsed: ParsedMail): ICAL.Component {
  const ics = parsed.attachments.find((a) => a.contentType === 'text/calendar');
  expect(ics).toBeDefined();
  return new ICAL.Component(ICAL.parse(ics!.content.toString('utf8')));
}

describe('meeting notice through aws-ses-v2-local', () => {
  it('arrives with a Cyrillic subject, text + HTML, materials and a valid .ics invitation', async () => {
    const notice = messages.meetingNotice({
      recipient: maria,
      meeting,
      agenda,
      materials: [
        { title: `Проект сметы ${EVIL}`, url: 'https://docs.example.org/smeta?id=1&v=2' },
        { title: 'Схема', attachment: { filename: 'Схема набережной.pdf', contentType: 'application/pdf', content: pdf } },
      ],
      deadlines: { opinions: '2026-03-09T19:59:59Z', voteCloses: '2026-03-10T09:00:00Z' },
      links: { attend: 'https://kvorum.example.org/l/attend-token', absent: 'https://kvorum.example.org/l/absent-token' },
      organizer,
      issuedAt: clock.now().toISOString(),
    });
    const { stored, parsed } = await sendAndRead(notice);

    // The emulator's own parse (its mailbox) and a mail client's parse agree on the subject.
    expect(stored.subject).toBe(notice.subject);
    expect(parsed.subject).toBe(`Заседание 10 марта 2026 г.: ${meeting.title}`);
    expect(parsed.date?.toISOString()).toBe('2026-03-01T06:00:00.000Z');
    expect(stored.destination.to.join(',')).toContain('maria@example.org');

    // Both alternatives; every time with its zone.
    expect(parsed.text).toContain('10 марта 2026 г., 11:00 (Europe/Astrakhan, UTC+04:00)');
    expect(parsed.text).toContain('9 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)');
    expect(parsed.text).toContain('https://kvorum.example.org/l/attend-token');
    expect(parsed.html).toContain('href="https://kvorum.example.org/l/absent-token"');
    expect(parsed.html).toContain('Я буду отсутствовать — направить письменное мнение');
    expect(parsed.html).toContain('https://docs.example.org/smeta?id=1&amp;v=2');

    // Attachments: the material and the invitation.
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['Схема набережной.pdf', 'invite.ics']);
    expect(parsed.attachments[0]?.content.equals(pdf)).toBe(true);
    expect(stored.attachments.map((a) => a.filename)).toEqual(['Схема набережной.pdf', 'invite.ics']);

    const vcal = calendarOf(parsed);
    expect(vcal.getFirstPropertyValue('method')).toBe('REQUEST');
    const vtz = vcal.getFirstSubcomponent('vtimezone');
    expect(vtz?.getFirstPropertyValue('tzid')).toBe('Europe/Astrakhan');
    const vevent = vcal.getFirstSubcomponent('vevent')!;
    expect(vevent.getFirstPropertyValue('sequence')).toBe(0);
    expect(vevent.getFirstPropertyValue('uid')).toBe('mtg-2026-03@kvorum');
    expect(vevent.getFirstPropertyValue('summary')).toBe(meeting.title);
    expect(vevent.getFirstPropertyValue('location')).toBe(meeting.place);
    const dtstart = vevent.getFirstProperty('dtstart')!;
    expect(dtstart.getParameter('tzid')).toBe('Europe/Astrakhan');
    const start = dtstart.getFirstValue() as ICAL.Time;
    start.zone = new ICAL.Timezone(vtz!);
    expect(start.toJSDate().toISOString()).toBe('2026-03-10T07:00:00.000Z');
  });

  it('English variant for a recipient with lang "en"', async () => {
    const notice = messages.meetingNotice({ recipient: john, meeting, agenda, organizer, issuedAt: clock.now().toISOString() });
    const { parsed } = await sendAndRead(notice, john);
    expect(parsed.subject).toBe(`Meeting on 10 March 2026: ${meeting.title}`);
    expect(parsed.text).toContain('10 March 2026, 11:00 (Europe/Astrakhan, UTC+04:00)');
    expect(parsed.text).toContain('AGENDA');
    expect(parsed.text).not.toContain('ПОВЕСТКА');
    expect(parsed.text).not.toContain('Здравствуйте');
    expect(parsed.text).toContain('Dear John Smith');
    expect(parsed.html).toContain('<html lang="en">');
  });
});

describe('signed protocol', () => {
  it('carries the PDF and the HTML with their filenames', async () => {
    const message = messages.signedProtocol({
      recipient: maria,
      meeting,
      protocolNumber: '3',
      signedAt: '2026-03-12T10:30:00Z',
      pdf,
      protocolHtml: '<!DOCTYPE html><html><body><h1>ПРОТОКОЛ</h1></body></html>',
      downloadUrl: 'https://k.example.org/l/protocol',
      downloadUntil: '2027-03-12T10:30:00Z',
      sha256: 'a'.repeat(64),
      missingSignatures: [`Сидоров ${EVIL}`],
    });
    const { parsed } = await sendAndRead(message);
    expect(parsed.subject).toBe(`Протокол № 3: ${meeting.title}`);
    const files = parsed.attachments.map((a) => [a.filename, a.contentType]);
    expect(files).toEqual([
      ['Протокол № 3.pdf', 'application/pdf'],
      ['Протокол № 3.html', 'text/html'],
    ]);
    expect(parsed.attachments[0]?.content.equals(pdf)).toBe(true);
    expect(parsed.attachments[1]?.content.toString('utf8')).toContain('<h1>ПРОТОКОЛ</h1>');
    expect(parsed.text).toContain('12 марта 2026 г., 14:30 (Europe/Astrakhan, UTC+04:00)');
    expect(parsed.html).toContain(`Сидоров ${ESCAPED}`);
    expect(parsed.text).toContain('можно также скачать по персональной ссылке до 12 марта 2027 г.');
    expect(parsed.text).toContain('https://k.example.org/l/protocol');
  });

  it('without the files (above the group\'s threshold): nothing attached, and the mail says where to download them', async () => {
    const message = messages.signedProtocol({
      recipient: { ...maria, lang: 'en' },
      meeting,
      protocolNumber: '3',
      signedAt: '2026-03-12T10:30:00Z',
      downloadUrl: 'https://k.example.org/l/protocol',
      downloadUntil: '2027-03-12T10:30:00Z',
    });
    const { parsed } = await sendAndRead(message);
    expect(parsed.attachments).toEqual([]);
    expect(parsed.text).toContain("The protocol's files are too large for e-mail and are not attached: download the PDF and the HTML from your personal link until");
    expect(parsed.text).toContain('https://k.example.org/l/protocol');
    expect(parsed.text).not.toContain('Attached:');
  });
});

describe('cancelled and moved meetings update the same calendar event', () => {
  it('a move is REQUEST with a higher SEQUENCE and the same UID; a cancellation is CANCEL', async () => {
    const moved = messages.meetingMoved({
      recipient: maria,
      meeting: { ...meeting, startsAt: '2026-03-17T07:00:00Z', endsAt: '2026-03-17T09:00:00Z', revision: 1 },
      previousStartsAt: meeting.startsAt,
      organizer,
      issuedAt: clock.now().toISOString(),
    });
    const movedMail = (await sendAndRead(moved)).parsed;
    expect(movedMail.text).toContain('было 10 марта 2026 г., 11:00 (Europe/Astrakhan, UTC+04:00)');
    expect(movedMail.text).toContain('теперь 17 марта 2026 г., 11:00 (Europe/Astrakhan, UTC+04:00)');
    const movedEvent = calendarOf(movedMail).getFirstSubcomponent('vevent')!;
    expect(movedEvent.getFirstPropertyValue('uid')).toBe('mtg-2026-03@kvorum');
    expect(movedEvent.getFirstPropertyValue('sequence')).toBe(1);

    const cancelled = messages.meetingCancelled({
      recipient: maria,
      meeting: { ...meeting, revision: 2 },
      reason: `Повестка не утверждена ${EVIL}`,
      organizer,
      issuedAt: clock.now().toISOString(),
    });
    const cancelledMail = (await sendAndRead(cancelled)).parsed;
    const vcal = calendarOf(cancelledMail);
    expect(vcal.getFirstPropertyValue('method')).toBe('CANCEL');
    const event = vcal.getFirstSubcomponent('vevent')!;
    expect(event.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(event.getFirstPropertyValue('uid')).toBe('mtg-2026-03@kvorum');
    expect(event.getFirstPropertyValue('sequence')).toBe(2);
  });
});

describe('sending through the ledger: none lost, at most one copy per unknown outcome', () => {
  const ballot = () =>
    messages.ballotLink({ recipient: maria, meeting, agenda, ballotUrl: 'https://kvorum.example.org/l/ballot', voteCloses: '2026-03-10T09:00:00Z' });
  const messageIds = async () => (await Promise.all((await ses.fetchMessages()).map(async (m) => (await simpleParser(m.raw!)).messageId)));

  it('the same key twice delivers once; a new revision delivers again', async () => {
    const first = await mailer.send(key('ballot'), ballot(), maria.email);
    const second = await mailer.send(key('ballot'), ballot(), maria.email);
    expect(first.status).toBe('sent');
    expect(second).toEqual({ status: 'duplicate', messageId: first.messageId, key: first.key });
    expect(await ses.fetchMessages()).toHaveLength(1);

    const third = await mailer.send(key('ballot', 'maria', 1), ballot(), maria.email);
    expect(third.status).toBe('sent');
    expect(await ses.fetchMessages()).toHaveLength(2);
    expect(await store.mail.get(first.key)).toMatchObject({ state: 'sent', messageId: first.messageId, attempts: 1 });
  });

  it('concurrent runs of the same task: one sends, the others are told it is in flight (not delivered)', async () => {
    const results = await Promise.allSettled([1, 2, 3].map(() => mailer.send(key('ballot'), ballot(), maria.email)));
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.status === 'sent')).toHaveLength(1);
    const pending = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(pending).toHaveLength(2);
    for (const r of pending) expect(r.reason).toBeInstanceOf(MailPending);
    expect(await ses.fetchMessages()).toHaveLength(1);
  });

  it('a clean refusal (nothing listening) ends the lease, so the retry sends at once: exactly one copy', async () => {
    const unreachable = new SESv2Client({ endpoint: 'http://127.0.0.1:9', region: 'eu-central-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    const failing = new Mailer({ ses: unreachable, from: 'kvorum@example.org', ledger: store.mail, clock });
    await expect(failing.send(key('ballot'), ballot(), maria.email)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    unreachable.destroy();
    expect(await store.mail.get(sendKey('ballot'))).toMatchObject({ state: 'sending', lastOutcome: 'refused' });
    expect((await mailer.send(key('ballot'), ballot(), maria.email)).status).toBe('sent');
    expect(await ses.fetchMessages()).toHaveLength(1);
  });

  it('a 503 before SES accepted: unknown to the sender, so retried after the lease — one copy in the end', async () => {
    const fault = ses.outage({ mode: 'refuse', times: 1 });
    await expect(mailer.send(key('ballot'), ballot(), maria.email)).rejects.toBeInstanceOf(MailPending);
    fault.restore();
    await expect(mailer.send(key('ballot'), ballot(), maria.email)).rejects.toBeInstanceOf(MailPending);
    clock.advance(60_000);
    expect((await mailer.send(key('ballot'), ballot(), maria.email)).status).toBe('sent');
    expect(await ses.fetchMessages()).toHaveLength(1);
  });

  for (const mode of ['accept-then-503', 'accept-then-reset'] as const) {
    it(`${mode}: never assumed delivered, sent once more after the lease — two copies with one Message-ID`, async () => {
      const fault = ses.outage({ mode, times: 1 });
      await expect(mailer.send(key('ballot'), ballot(), maria.email)).rejects.toBeInstanceOf(MailPending);
      fault.restore();
      expect(await store.mail.get(sendKey('ballot'))).toMatchObject({ state: 'sending', lastOutcome: 'unknown', attempts: 1 });
      clock.advance(60_000);
      expect((await mailer.send(key('ballot'), ballot(), maria.email)).status).toBe('sent');
      expect((await mailer.send(key('ballot'), ballot(), maria.email)).status).toBe('duplicate');
      const ids = await messageIds();
      expect(ids).toHaveLength(2);
      expect(new Set(ids)).toEqual(new Set([`<${stableMessageId(sendKey('ballot'), 'example.org')}>`]));
    });
  }

  it('a hung SES call ends at the request timeout as an unknown outcome', async () => {
    const fault = ses.outage({ mode: 'hang', times: 1 });
    await expect(mailer.send(key('ballot'), ballot(), maria.email)).rejects.toBeInstanceOf(MailPending);
    fault.restore();
    clock.advance(60_000);
    expect((await mailer.send(key('ballot'), ballot(), maria.email)).status).toBe('sent');
    expect(await ses.fetchMessages()).toHaveLength(1);
  });
});

const sendKey = (purpose: string) => `mail#${encodeURIComponent(meeting.id)}#${purpose}#maria#0`;

describe('people’s text is escaped in every HTML e-mail', () => {
  const issuedAt = '2026-03-01T06:00:00Z';
  const all: Array<[string, MailMessage]> = [
    ['proposalsCall', messages.proposalsCall({ recipient: maria, meeting, agenda, proposeUrl: 'https://k.example.org/p', proposalsClose: '2026-03-05T19:59:59Z' })],
    ['agendaForApproval', messages.agendaForApproval({ recipient: maria, meeting, agenda, approveUrl: 'https://k.example.org/a', approvalDeadline: '2026-03-06T19:59:59Z' })],
    ['meetingNotice', messages.meetingNotice({ recipient: maria, meeting, agenda, organizer, issuedAt, materials: [{ title: EVIL, url: 'https://k.example.org/m' }] })],
    ['opinionReceipt', messages.opinionReceipt({ recipient: maria, meeting, receivedAt: '2026-03-08T10:00:00Z', opinions: [{ itemTitle: agenda[0]!.title, text: `Против, потому что ${EVIL}\nвторая строка` }] })],
    ['ballotLink', messages.ballotLink({ recipient: maria, meeting, agenda, ballotUrl: 'https://k.example.org/b', voteCloses: '2026-03-10T09:00:00Z' })],
    ['voteReceipt', messages.voteReceipt({ recipient: maria, meeting, recordedAt: '2026-03-10T07:05:00Z', voteCloses: '2026-03-10T09:00:00Z', votes: [{ itemTitle: agenda[0]!.title, choice: 'against' }] })],
    ['noQuorum', messages.noQuorum({ recipient: maria, meeting, participants: 7, members: 16, quorumNeeded: 8 })],
    ['protocolForSignature', messages.protocolForSignature({ recipient: maria, meeting, sha256: 'f'.repeat(64), signUrl: 'https://k.example.org/s', signaturesDeadline: '2026-03-17T19:59:59Z' })],
    ['reminder', messages.reminder({ recipient: maria, meeting, kind: 'opinions', deadline: '2026-03-09T19:59:59Z', actionUrl: 'https://k.example.org/o' })],
    ['signedProtocol', messages.signedProtocol({ recipient: maria, meeting, protocolNumber: '3', signedAt: '2026-03-12T10:30:00Z', pdf, protocolHtml: '<p>x</p>', downloadUrl: 'https://k.example.org/l/p', downloadUntil: '2027-03-12T10:30:00Z' })],
    ['meetingCancelled', messages.meetingCancelled({ recipient: maria, meeting, organizer, issuedAt, reason: EVIL })],
    ['meetingMoved', messages.meetingMoved({ recipient: maria, meeting, organizer, issuedAt, previousStartsAt: '2026-03-03T07:00:00Z', reason: EVIL })],
    ['stepFailed', messages.stepFailed({ recipient: maria, meeting, step: { ru: `Рассылка ${EVIL}`, en: `Notify ${EVIL}` }, kind: "error", error: `Error: ${EVIL}`, failedAt: '2026-03-06T20:00:00Z' })],
    ['linkReissued', messages.linkReissued({ recipient: maria, meeting, purpose: 'ballot', url: 'https://k.example.org/l/new', expiresAt: '2026-03-10T09:00:00Z' })],
  ];

  it.each(all)('%s: no markup from people in HTML, raw text in text/plain', (_name, message) => {
    expect(message.html).not.toContain('<script>');
    expect(message.html).not.toContain('<b>bold</b>');
    expect(message.html).toContain(ESCAPED);
    expect(message.html.split(ESCAPED).length - 1).toBeGreaterThanOrEqual(2); // title and name at least
    expect(message.text).toContain(EVIL);
    expect(message.subject).toContain(meeting.title);
  });

  it('an escaped e-mail stays escaped after the trip through SES', async () => {
    const [, message] = all.find(([name]) => name === 'opinionReceipt')!;
    const { parsed, stored } = await sendAndRead(message);
    expect(parsed.html).not.toContain('<script>');
    expect(parsed.html).toContain(ESCAPED);
    expect(stored.body.html).toContain(ESCAPED);
    expect(parsed.text).toContain(`Против, потому что ${EVIL}`);
  });

  it('links must be http(s)', () => {
    expect(() =>
      messages.ballotLink({ recipient: maria, meeting, agenda, ballotUrl: 'javascript:alert(1)', voteCloses: '2026-03-10T09:00:00Z' }),
    ).toThrow(/http/);
  });
});

describe('reminders and the signature mail', () => {
  it('each reminder kind names its deadline with the zone, in both languages', () => {
    for (const kind of ['proposals', 'approval', 'opinions', 'signatures'] as const) {
      const ru = messages.reminder({ recipient: maria, meeting, kind, deadline: '2026-03-09T19:59:59Z', actionUrl: 'https://k.example.org/x' });
      const en = messages.reminder({ recipient: john, meeting, kind, deadline: '2026-03-09T19:59:59Z', actionUrl: 'https://k.example.org/x' });
      expect(ru.subject.startsWith('Напоминание')).toBe(true);
      expect(en.subject.startsWith('Reminder')).toBe(true);
      expect(ru.text).toContain('9 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)');
      expect(en.text).toContain('9 March 2026, 23:59 (Europe/Astrakhan, UTC+04:00)');
    }
  });

  it('the protocol-for-signature mail shows the SHA-256 of the exact version', () => {
    const sha = 'c0ffee'.padEnd(64, '0');
    const message = messages.protocolForSignature({ recipient: maria, meeting, sha256: sha, signUrl: 'https://k.example.org/s', signaturesDeadline: '2026-03-17T19:59:59Z' });
    expect(message.text).toContain(sha);
    expect(message.html).toMatch(new RegExp(`<code[^>]*>${sha}</code>`));
  });
});
