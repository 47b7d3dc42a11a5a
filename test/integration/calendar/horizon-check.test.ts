/**
 * The daily production calendar check (functions/app/calendar-check.ts) through the real store (send
 * ledger on dynalite) and the real mailer (aws-ses-v2-local): the EMF metric is printed, ops gets one
 * e-mail per ISO week, nothing happens while the calendar covers the next 90 days with confirmed data;
 * and the Lambda handler and the local runtime's timer run the same check.
 */
import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALENDAR_HORIZON_METRIC, checkCalendarHorizon } from '../../../functions/app/calendar-check.ts';
import { setDeps, type Deps } from '../../../functions/app/deps.ts';
import { createCalendar, russianCalendar } from '../../../functions/calendar/index.ts';
import data2025 from '../../../functions/calendar/data/2025.json' with { type: 'json' };
import data2026 from '../../../functions/calendar/data/2026.json' with { type: 'json' };
import { ManualClock } from '../../../functions/lib/clock.ts';
import { Mailer } from '../../../functions/mail/mailer.ts';
import { KvorumStore } from '../../../functions/store/store.ts';
import { ensureTable } from '../../../functions/store/table.ts';
import { startCalendarCheckTimer } from '../../../local/calendar-check-timer.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { startSesLocal, type SesLocal } from '../../support/ses.ts';

const OPS = 'ops@city.test';
/** A calendar that ends soon: copies of the shipped 2025 and 2026 files, confirmed, nothing after. */
const until2026 = createCalendar([data2025, data2026]);

let db: RunningDynalite;
let ses: SesLocal;
let clock: ManualClock;
let deps: Deps;
let stdout: string[];

beforeAll(async () => {
  db = await startDynalite();
  ses = await startSesLocal();
});
afterAll(async () => {
  await ses?.stop();
  await db?.stop();
});

beforeEach(async () => {
  await ses.clear();
  const tableName = `kvorum-calendar-${randomUUID()}`;
  await ensureTable(db.client, tableName);
  // Fri 20 Nov 2026, 09:00 in Astrakhan: 41 days of data left (ISO week 2026-W47).
  clock = new ManualClock('2026-11-20T05:00:00Z');
  const store = new KvorumStore({ client: db.client, tableName, clock });
  deps = {
    store,
    mailer: new Mailer({ ses: ses.client, from: 'Kvorum <kvorum@kvorum.test>', ledger: store.mail, clock }),
    sfn: new SFNClient({ region: 'eu-central-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    clock,
    calendar: until2026,
    linkSecret: async () => ({ current: 'test-link-secret-0123456789abcdef0123456789abcdef' }),
    publicBaseUrl: 'http://kvorum.test',
    stateMachineArn: '',
    senderAddress: 'kvorum@kvorum.test',
    opsAddress: OPS,
  };
  stdout = [];
  // What the functions print to stdout (the EMF lines), kept out of the test output.
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
  setDeps(undefined);
});

/** The EMF lines printed for the metric, parsed. */
const metricLines = () =>
  stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes(CALENDAR_HORIZON_METRIC.metricName))
    .map((line) => JSON.parse(line) as Record<string, any>);

const opsMail = async () => (await ses.fetchMessages()).filter((m) => m.destination.to.some((to) => to.includes(OPS)));

describe('a calendar that ends within 90 days', () => {
  it('prints the metric, e-mails ops once a week, and again the next week', async () => {
    const first = await checkCalendarHorizon(deps);
    expect(first).toEqual({
      today: '2026-11-20',
      week: 202647,
      warnings: [{ kind: 'calendar-ends', endsOn: '2026-12-31', lastYear: 2026, daysLeft: 41, missingYear: 2027 }],
      mail: 'sent',
      mailed: true,
    });
    const [metric] = metricLines();
    expect(metric).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'Kvorum', Dimensions: [[]], Metrics: [{ Name: 'CalendarHorizonWarning', Unit: 'Count' }] }] },
      CalendarHorizonWarning: 1,
      today: '2026-11-20',
    });
    expect(metric!._aws.Timestamp).toBe(Date.parse('2026-11-20T05:00:00Z'));

    let mails = await opsMail();
    expect(mails).toHaveLength(1);
    const parsed = await simpleParser(mails[0]!.raw!);
    expect(parsed.subject).toBe('Kvorum: производственный календарь заканчивается 31.12.2026, добавьте 2027 год / The production calendar ends on 2026-12-31: add 2027');
    expect(parsed.text).toContain('осталось 41 день');
    expect(parsed.text).toContain('functions/calendar/data/2027.json');
    expect(parsed.text).toContain('«Adding a year»');
    expect(parsed.text).toContain('IN ENGLISH');
    expect(parsed.headers.get('x-kvorum-purpose')).toBe('calendar-horizon');

    // The next day, same ISO week: the metric again, no second e-mail.
    clock.set('2026-11-21T05:00:00Z');
    const second = await checkCalendarHorizon(deps);
    expect(second).toMatchObject({ today: '2026-11-21', week: 202647, mail: 'duplicate', mailed: false });
    expect(second.warnings).toHaveLength(1);
    expect(metricLines()).toHaveLength(2);
    expect(await opsMail()).toHaveLength(1);

    // Sunday evening UTC is already Monday in Astrakhan: a new ISO week, a new e-mail.
    clock.set('2026-11-22T20:30:00Z');
    const third = await checkCalendarHorizon(deps);
    expect(third).toMatchObject({ today: '2026-11-23', week: 202648, mail: 'sent', mailed: true });
    mails = await opsMail();
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).toContain('заканчивается 31.12.2026');
    expect(await ses.fetchMessages()).toHaveLength(2);
  });

  it('without an ops address: the metric and the log only', async () => {
    delete deps.opsAddress;
    const warn = vi.mocked(console.warn);
    const result = await checkCalendarHorizon(deps);
    expect(result).toMatchObject({ mail: 'no-ops-address', mailed: false });
    expect(metricLines()).toHaveLength(1);
    expect(await ses.fetchMessages()).toHaveLength(0);
    const logged = JSON.parse(String(warn.mock.calls[0]?.[0])) as { level: string; todo: string[]; mail: string };
    expect(logged.level).toBe('WARN');
    expect(logged.todo).toEqual(['add functions/calendar/data/2027.json and deploy (README «Adding a year»)']);
    expect(logged.mail).toContain('OpsEmail');
  });

  it('a provisional year in use (the shipped calendar, 2027 provisional, on 2 Dec 2026): metric and e-mail too', async () => {
    deps.calendar = russianCalendar;
    clock.set('2026-12-02T05:00:00Z');
    const result = await checkCalendarHorizon(deps);
    expect(result).toMatchObject({ warnings: [{ kind: 'provisional-in-use', years: [2027] }], mail: 'sent' });
    expect(metricLines()).toHaveLength(1);
    const [mail] = await opsMail();
    expect(mail!.subject).toBe('Kvorum: предварительный производственный календарь на 2027 год / Provisional production calendar for 2027');
  });

  it('a failed send prints the metric, throws (the invocation fails and is retried), and the retry after the lease sends', async () => {
    const outage = ses.outage();
    await expect(checkCalendarHorizon(deps)).rejects.toThrow();
    expect(metricLines()).toHaveLength(1);
    outage.restore();
    // A 503 may come after SES accepted: the e-mail is tried again once its lease is over, not at once.
    await expect(checkCalendarHorizon(deps)).rejects.toThrow(/not delivered yet/);
    clock.advance(60_000);
    expect(await checkCalendarHorizon(deps)).toMatchObject({ mail: 'sent' });
    expect(await opsMail()).toHaveLength(1);
  });
});

describe('a calendar that covers the next 90 days with confirmed data', () => {
  it('warns nobody: no metric, no e-mail', async () => {
    clock.set('2026-03-10T05:00:00Z');
    const result = await checkCalendarHorizon(deps);
    expect(result).toEqual({ today: '2026-03-10', week: 202611, warnings: [], mail: 'not-needed', mailed: false });
    // The shipped calendar too, while 2027 (provisional) is more than 90 days away.
    deps.calendar = russianCalendar;
    clock.set('2026-06-01T05:00:00Z');
    expect(await checkCalendarHorizon(deps)).toMatchObject({ warnings: [], mail: 'not-needed' });
    expect(metricLines()).toEqual([]);
    expect(await ses.fetchMessages()).toHaveLength(0);
  });
});

describe('the Lambda handler and the local timer', () => {
  it('the handler (functions/handlers/calendar-check.ts) runs the check on its deps', async () => {
    setDeps(deps);
    const { handler } = await import('../../../functions/handlers/calendar-check.ts');
    expect(await handler()).toMatchObject({ today: '2026-11-20', mail: 'sent' });
    expect(metricLines()).toHaveLength(1);
    expect(await opsMail()).toHaveLength(1);
  });

  it('the local timer runs at start and once per day of the shared clock, and stops', async () => {
    const results: string[] = [];
    const timer = startCalendarCheckTimer(deps, { pollMs: 60_000, onResult: (r) => results.push(`${r.today} ${r.mail}`) });
    await timer.tick();
    expect(results).toEqual(['2026-11-20 sent']);
    // A jump within the same day changes nothing; a jump to the next day runs the check.
    clock.set('2026-11-20T15:00:00Z');
    await timer.tick();
    expect(results).toEqual(['2026-11-20 sent']);
    clock.set('2026-11-21T05:00:00Z');
    await timer.tick();
    expect(results).toEqual(['2026-11-20 sent', '2026-11-21 duplicate']);
    clock.set('2026-11-30T05:00:00Z');
    await timer.tick();
    expect(results).toEqual(['2026-11-20 sent', '2026-11-21 duplicate', '2026-11-30 sent']);
    await timer.stop();
    clock.set('2026-12-07T05:00:00Z');
    await timer.tick();
    expect(results).toHaveLength(3);
    expect(await opsMail()).toHaveLength(2);
  });
});
