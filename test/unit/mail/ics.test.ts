import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  buildIcs,
  buildVTimezone,
  escapeIcsText,
  foldIcsLine,
  icsLocal,
  zoneTransitions,
} from '../../../functions/mail/ics.ts';

/** RFC 5545 unfolding: CRLF followed by one space or tab is removed. */
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

/** The inverse of TEXT escaping, as a reader would apply it. */
function unescapeIcsText(s: string): string {
  return s.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

describe('escapeIcsText', () => {
  it('escapes backslash, semicolon, comma and newlines', () => {
    expect(escapeIcsText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('round-trips any text (newlines normalised to \\n)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const escaped = escapeIcsText(s);
        expect(escaped).not.toMatch(/[\r\n]/);
        // Every ; and , is preceded by an escaping backslash.
        expect(unescapeIcsText(escaped)).toBe(s.replace(/\r\n|\r/g, '\n'));
      }),
    );
  });
});

describe('foldIcsLine', () => {
  it('keeps every physical line within 75 octets and unfolds back to the original', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
        const line = `DESCRIPTION:${escapeIcsText(s)}`;
        const folded = foldIcsLine(line);
        for (const physical of folded.split('\r\n')) {
          expect(Buffer.byteLength(physical, 'utf8')).toBeLessThanOrEqual(75);
        }
        expect(unfold(folded)).toBe(line);
      }),
    );
  });

  it('never splits a Cyrillic letter (2 octets) across lines', () => {
    const folded = foldIcsLine(`SUMMARY:${'Ж'.repeat(100)}`);
    const lines = folded.split('\r\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(Buffer.from(line, 'utf8').toString('utf8')).toBe(line);
      expect(line.includes('\uFFFD')).toBe(false);
    }
    expect(lines.slice(1).every((l) => l.startsWith(' '))).toBe(true);
  });
});

describe('VTIMEZONE from Intl offsets', () => {
  it('Europe/Astrakhan has no transitions: one STANDARD block at +0400', () => {
    expect(zoneTransitions('Europe/Astrakhan', 2026)).toEqual([]);
    const lines = buildVTimezone('Europe/Astrakhan', 2026);
    expect(lines.filter((l) => l === 'BEGIN:STANDARD')).toHaveLength(1);
    expect(lines).not.toContain('BEGIN:DAYLIGHT');
    expect(lines).toContain('TZOFFSETTO:+0400');
  });

  it('Europe/Berlin 2026: DST starts 29 March 01:00Z and ends 25 October 01:00Z', () => {
    const transitions = zoneTransitions('Europe/Berlin', 2026);
    expect(transitions.map((t) => new Date(t.at).toISOString())).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
    ]);
    const lines = buildVTimezone('Europe/Berlin', 2026);
    expect(lines).toContain('BEGIN:DAYLIGHT');
    expect(lines).toContain('DTSTART:19700329T020000');
    expect(lines).toContain('RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU');
    expect(lines).toContain('DTSTART:19701025T030000');
    expect(lines).toContain('RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU');
  });

  it('America/New_York: second Sunday of March, first Sunday of November', () => {
    const lines = buildVTimezone('America/New_York', 2026);
    expect(lines).toContain('RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU');
    expect(lines).toContain('RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU');
  });

  it('ical.js resolves times in generated zones to the same UTC instant as Intl', () => {
    const zones = ['Europe/Astrakhan', 'Europe/Moscow', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 30) }),
        (zone, ms) => {
          const start = new Date(Math.floor(ms / 60_000) * 60_000);
          const ics = buildIcs({
            method: 'REQUEST',
            meetingUid: 'm-1',
            sequence: 0,
            stamp: '2026-01-01T00:00:00Z',
            start: start.toISOString(),
            end: new Date(start.getTime() + 3_600_000).toISOString(),
            timeZone: zone,
            summary: 'x',
          });
          const vcal = new ICAL.Component(ICAL.parse(ics));
          const vtz = vcal.getFirstSubcomponent('vtimezone');
          expect(vtz).not.toBeNull();
          const tz = new ICAL.Timezone(vtz!);
          const vevent = vcal.getFirstSubcomponent('vevent')!;
          const dtstart = vevent.getFirstPropertyValue('dtstart') as ICAL.Time;
          dtstart.zone = tz;
          expect(dtstart.toJSDate().toISOString()).toBe(start.toISOString());
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('buildIcs', () => {
  const base = {
    meetingUid: 'meeting-42',
    sequence: 3,
    stamp: '2026-03-01T09:00:00Z',
    start: '2026-03-10T07:00:00Z',
    end: '2026-03-10T09:00:00Z',
    timeZone: 'Europe/Astrakhan',
    summary: 'Заседание; о бюджете, 2026\\итоги',
    location: 'Каб. 5, ул. Советская; 15',
    description: 'Строка 1\nСтрока 2',
  } as const;

  it('writes CRLF lines, METHOD, UID, SEQUENCE and local DTSTART with TZID', () => {
    const ics = buildIcs({ ...base, method: 'REQUEST' });
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = unfold(ics).split('\r\n');
    expect(lines).toContain('METHOD:REQUEST');
    expect(lines).toContain('UID:meeting-42@kvorum');
    expect(lines).toContain('SEQUENCE:3');
    expect(lines).toContain(`DTSTART;TZID=Europe/Astrakhan:${icsLocal(base.start, 'Europe/Astrakhan')}`);
    expect(lines).toContain('DTSTART;TZID=Europe/Astrakhan:20260310T110000');
    expect(lines).toContain('SUMMARY:Заседание\\; о бюджете\\, 2026\\\\итоги');
    expect(lines).toContain('DESCRIPTION:Строка 1\\nСтрока 2');
    expect(lines).toContain('STATUS:CONFIRMED');
  });

  it('a cancellation is METHOD:CANCEL with STATUS:CANCELLED and the same UID', () => {
    const ics = unfold(buildIcs({ ...base, method: 'CANCEL', sequence: 4 }));
    expect(ics).toContain('METHOD:CANCEL\r\n');
    expect(ics).toContain('STATUS:CANCELLED\r\n');
    expect(ics).toContain('UID:meeting-42@kvorum\r\n');
    expect(ics).toContain('SEQUENCE:4\r\n');
  });

  it('ical.js reads back the escaped texts', () => {
    const vcal = new ICAL.Component(ICAL.parse(buildIcs({ ...base, method: 'REQUEST' })));
    const vevent = vcal.getFirstSubcomponent('vevent')!;
    expect(vevent.getFirstPropertyValue('summary')).toBe(base.summary);
    expect(vevent.getFirstPropertyValue('location')).toBe(base.location);
    expect(vevent.getFirstPropertyValue('description')).toBe(base.description);
  });

  it('rejects an event that ends before it starts and a negative sequence', () => {
    expect(() => buildIcs({ ...base, method: 'REQUEST', end: base.start })).toThrow();
    expect(() => buildIcs({ ...base, method: 'REQUEST', sequence: -1 })).toThrow();
  });
});
