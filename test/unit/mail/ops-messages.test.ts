/**
 * The e-mail to ops about the production calendar horizon (functions/mail/ops-messages.ts): Russian
 * first, then English; says what is wrong and what to do; and the EMF line of the metric.
 */
import { describe, expect, it } from 'vitest';
import type { CalendarYearInfo } from '../../../functions/calendar/horizon.ts';
import { emfLine } from '../../../functions/lib/metrics.ts';
import { calendarHorizonMessage } from '../../../functions/mail/ops-messages.ts';

const years: CalendarYearInfo[] = [
  { year: 2026, status: 'confirmed' },
  { year: 2027, status: 'provisional' },
];

describe('calendarHorizonMessage', () => {
  it('the data ends soon: the date, the days left, the file to add and the README section, in Russian then English', () => {
    const m = calendarHorizonMessage({
      warnings: [{ kind: 'calendar-ends', endsOn: '2027-12-31', lastYear: 2027, daysLeft: 45, missingYear: 2028 }],
      today: '2027-11-16',
      years,
      horizonDays: 90,
    });
    expect(m.subject).toBe('Kvorum: производственный календарь заканчивается 31.12.2027, добавьте 2028 год / The production calendar ends on 2027-12-31: add 2028');
    expect(m.text).toContain('Здравствуйте, коллеги!');
    expect(m.text).toContain('есть только по 31.12.2027 включительно: осталось 45 дней');
    expect(m.text).toContain('functions/calendar/data/2028.json');
    expect(m.text).toContain('README, раздел «Adding a year»');
    expect(m.text).toContain('Годы в системе: 2026, 2027 (предварительный)');
    expect(m.text).toContain('IN ENGLISH');
    expect(m.text).toContain('has data up to 2027-12-31 only: 45 days left');
    expect(m.text).toContain('Add functions/calendar/data/2028.json');
    expect(m.text.indexOf('Что сделать'.toUpperCase())).toBeLessThan(m.text.indexOf('IN ENGLISH'));
    expect(m.html).toContain('<h2 style="font-size:17px;margin:20px 0 8px">In English</h2>');
    expect(m.html).toContain('«Adding a year»');
    expect(m.attachments).toBeUndefined();
  });

  it('a provisional year in use: which year, and how to confirm it', () => {
    const m = calendarHorizonMessage({ warnings: [{ kind: 'provisional-in-use', years: [2027] }], today: '2026-12-02', years, horizonDays: 90 });
    expect(m.subject).toBe('Kvorum: предварительный производственный календарь на 2027 год / Provisional production calendar for 2027');
    expect(m.text).toContain('Данные на 2027 год предварительные');
    expect(m.text).toContain('Сверьте functions/calendar/data/2027.json');
    expect(m.text).toContain('"status": "confirmed"');
    expect(m.text).toContain('«Confirming a provisional year»');
    expect(m.text).toContain('The data for 2027 is provisional');
    expect(m.text).not.toContain('Add functions/calendar/data/');
  });

  it('the data has run out: says so, and the HTML escapes the quotes of the JSON fields', () => {
    const m = calendarHorizonMessage({
      warnings: [
        { kind: 'calendar-ends', endsOn: '2026-12-31', lastYear: 2026, daysLeft: -3, missingYear: 2027 },
        { kind: 'provisional-in-use', years: [2026] },
      ],
      today: '2027-01-03',
      years: [{ year: 2026, status: 'provisional' }],
      horizonDays: 90,
    });
    expect(m.subject).toBe('Kvorum: нет производственного календаря на 2027 год / No production calendar for 2027');
    expect(m.text).toContain('Производственного календаря на 2027 год нет (данные заканчиваются 31.12.2026)');
    expect(m.text).toContain('Осталось: данные закончились');
    expect(m.text).toContain('There is no production calendar for 2027');
    expect(m.html).toContain('&quot;status&quot;: &quot;provisional&quot;');
  });

  it('Russian day counts agree with the number', () => {
    const text = (daysLeft: number) =>
      calendarHorizonMessage({ warnings: [{ kind: 'calendar-ends', endsOn: '2027-12-31', lastYear: 2027, daysLeft, missingYear: 2028 }], today: '2027-12-01', years, horizonDays: 90 }).text;
    expect(text(1)).toContain('осталось 1 день');
    expect(text(3)).toContain('осталось 3 дня');
    expect(text(11)).toContain('осталось 11 дней');
    expect(text(21)).toContain('осталось 21 день');
    expect(text(0)).toContain('осталось 0 дней');
  });

  it('refuses to build a message with nothing to say', () => {
    expect(() => calendarHorizonMessage({ warnings: [], today: '2026-12-02', years, horizonDays: 90 })).toThrow();
  });
});

describe('emfLine', () => {
  it('is a root-level EMF object without dimensions, with the value under the metric name', () => {
    const line = emfLine({ namespace: 'Kvorum', name: 'CalendarHorizonWarning', value: 1, timestamp: new Date('2026-12-02T05:00:00Z'), properties: { today: '2026-12-02' } });
    expect(JSON.parse(line)).toEqual({
      _aws: { Timestamp: Date.parse('2026-12-02T05:00:00Z'), CloudWatchMetrics: [{ Namespace: 'Kvorum', Dimensions: [[]], Metrics: [{ Name: 'CalendarHorizonWarning', Unit: 'Count' }] }] },
      CalendarHorizonWarning: 1,
      today: '2026-12-02',
    });
    expect(line).not.toContain('\n');
  });

  it('never lets a property overwrite the metric or its metadata', () => {
    const parsed = JSON.parse(emfLine({ namespace: 'Kvorum', name: 'X', value: 1, timestamp: new Date(0), properties: { X: 5, _aws: 'no' } }));
    expect(parsed.X).toBe(1);
    expect(parsed._aws.CloudWatchMetrics[0].Namespace).toBe('Kvorum');
  });
});
