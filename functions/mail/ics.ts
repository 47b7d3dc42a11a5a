/**
 * RFC 5545 calendar invitations for meeting notices (SPEC «Notify», п. 2.5г: «.ics with the time zone»).
 *
 * - One VEVENT per meeting, UID stable per meeting, SEQUENCE = meeting revision, so a moved
 *   meeting updates the same calendar entry and a cancelled one removes it (METHOD:CANCEL).
 * - DTSTART/DTEND carry TZID=<group zone>, and a VTIMEZONE for that zone is generated from the
 *   runtime's Intl time-zone data (see `buildVTimezone` for what is and is not covered).
 * - TEXT values are escaped (\\ \; \, \n), content lines are folded at 75 octets, lines end in CRLF.
 * Pure: no clock, no AWS. DTSTAMP comes from the caller.
 */
import type { Instant } from '../domain/types.ts';

export type IcsMethod = 'REQUEST' | 'CANCEL';

export interface IcsPerson {
  name: string;
  email: string;
}

export interface IcsEventInput {
  method: IcsMethod;
  /** Stable per meeting (e.g. the meeting id); becomes `<meetingUid>@kvorum`. */
  meetingUid: string;
  /** The meeting's revision: 0 when convened, +1 every time it moves or is cancelled. */
  sequence: number;
  /** When this version of the invitation was produced (DTSTAMP). */
  stamp: Instant | Date;
  start: Instant;
  end: Instant;
  /** IANA zone of the group, e.g. Europe/Astrakhan. */
  timeZone: string;
  summary: string;
  description?: string;
  location?: string;
  url?: string;
  organizer?: IcsPerson;
  attendee?: IcsPerson;
}

const CRLF = '\r\n';
const PRODID = '-//Kvorum//Working group meetings//RU';

/** RFC 5545 §3.3.11: escape a TEXT value (backslash first; CRLF/CR/LF become the two characters "\n"). */
export function escapeIcsText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * RFC 5545 §3.1: a content line longer than 75 octets is split with CRLF + one space.
 * Splits never cut a UTF-8 multi-byte character (Cyrillic is 2 octets per letter).
 * Returns the folded line without the final CRLF.
 */
export function foldIcsLine(line: string): string {
  const limit = 75;
  const parts: string[] = [];
  let current = '';
  let currentOctets = 0;
  let budget = limit;
  for (const ch of line) {
    const octets = Buffer.byteLength(ch, 'utf8');
    if (currentOctets + octets > budget) {
      parts.push(current);
      current = '';
      currentOctets = 0;
      budget = limit - 1; // the continuation's leading space counts
    }
    current += ch;
    currentOctets += octets;
  }
  parts.push(current);
  return parts.join(CRLF + ' ');
}

/** A parameter value (CN=...): DQUOTE is not allowed inside, control characters dropped; always quoted. */
function paramValue(value: string): string {
  return `"${value.replace(/["\r\n\t]/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '')}"`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** 20260310T070000Z */
export function icsUtc(instant: Instant | Date): string {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) throw new Error(`ics: invalid instant ${String(instant)}`);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(
    d.getUTCMinutes(),
  )}${pad(d.getUTCSeconds())}Z`;
}

// ---------------------------------------------------------------- time zones

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of the zone from UTC at an instant, in minutes (east positive), from Intl data. */
export function zoneOffsetMinutes(timeZone: string, at: Date | number): number {
  let fmt = offsetFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, fmt);
  }
  const name = fmt.formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (!m) throw new Error(`ics: cannot read the UTC offset of ${timeZone} (${name})`);
  if (!m[1]) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** Wall-clock time of an instant in the zone, as an iCalendar local DATE-TIME: 20260310T110000. */
export function icsLocal(instant: Instant | Date | number, timeZone: string): string {
  const t = new Date(instant).getTime();
  if (Number.isNaN(t)) throw new Error(`ics: invalid instant ${String(instant)}`);
  const wall = new Date(t + zoneOffsetMinutes(timeZone, t) * 60_000);
  return `${wall.getUTCFullYear()}${pad(wall.getUTCMonth() + 1)}${pad(wall.getUTCDate())}T${pad(
    wall.getUTCHours(),
  )}${pad(wall.getUTCMinutes())}${pad(wall.getUTCSeconds())}`;
}

/** "+0400" / "-0330" */
function icsOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

export interface ZoneTransition {
  /** First instant (ms) at which the new offset applies. */
  at: number;
  from: number;
  to: number;
}

/** Every offset change of the zone in the given calendar year (UTC bounds), found by scanning Intl data. */
export function zoneTransitions(timeZone: string, year: number): ZoneTransition[] {
  const day = 86_400_000;
  const minute = 60_000;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const found: ZoneTransition[] = [];
  let t = start;
  let offset = zoneOffsetMinutes(timeZone, t);
  while (t < end) {
    const next = Math.min(t + day, end);
    const nextOffset = zoneOffsetMinutes(timeZone, next);
    if (nextOffset !== offset) {
      // Binary search (on whole minutes) for the first minute with the new offset.
      let lo = t; // old offset
      let hi = next; // new offset
      while (hi - lo > minute) {
        const mid = lo + Math.floor((hi - lo) / 2 / minute) * minute;
        if (mid === lo) break;
        if (zoneOffsetMinutes(timeZone, mid) === offset) lo = mid;
        else hi = mid;
      }
      found.push({ at: hi, from: offset, to: zoneOffsetMinutes(timeZone, hi) });
    }
    t = next;
    offset = nextOffset;
  }
  return found;
}

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

interface YearlyRule {
  month: number; // 0-11
  weekday: number; // 0 = Sunday
  nth: number; // 1..4, or -1 for the last one
}

/** The "n-th (or last) weekday of the month" rule of a transition, read off this year's onset date. */
function yearlyRuleOf(localOnset: Date): YearlyRule {
  const dayOfMonth = localOnset.getUTCDate();
  const daysInMonth = new Date(Date.UTC(localOnset.getUTCFullYear(), localOnset.getUTCMonth() + 1, 0)).getUTCDate();
  const nth = dayOfMonth + 7 > daysInMonth ? -1 : Math.ceil(dayOfMonth / 7);
  return { month: localOnset.getUTCMonth(), weekday: localOnset.getUTCDay(), nth };
}

function rruleText(rule: YearlyRule): string {
  return `FREQ=YEARLY;BYMONTH=${rule.month + 1};BYDAY=${rule.nth}${WEEKDAYS[rule.weekday]}`;
}

/** Day of month on which the rule falls in a given year. */
function ruleDay(rule: YearlyRule, year: number): number {
  if (rule.nth > 0) {
    const firstWeekday = new Date(Date.UTC(year, rule.month, 1)).getUTCDay();
    return 1 + ((rule.weekday - firstWeekday + 7) % 7) + (rule.nth - 1) * 7;
  }
  const daysInMonth = new Date(Date.UTC(year, rule.month + 1, 0)).getUTCDate();
  const lastWeekday = new Date(Date.UTC(year, rule.month, daysInMonth)).getUTCDay();
  return daysInMonth - ((lastWeekday - rule.weekday + 7) % 7);
}

/**
 * VTIMEZONE for the zone as it is in `year` (the year of the meeting), generated from Intl offsets:
 * - no offset change that year (Europe/Astrakhan, Europe/Moscow): one STANDARD block with the current offset;
 * - the usual two changes (DST): STANDARD + DAYLIGHT, each with a YEARLY "n-th/last weekday of the
 *   month" RRULE read off that year's onset (DTSTART is the rule's 1970 onset, as calendar programs write it);
 * - anything else (a one-off change of the zone's offset in that year): one block per observance with
 *   its DTSTART and no RRULE.
 * Limitation: the rules describe the meeting's year correctly; for other years they are an
 * extrapolation (zones whose DST rule is not weekday-based would be extrapolated wrongly — irrelevant
 * for the single event of the invitation). Offsets with seconds are rounded down to minutes by Intl.
 */
export function buildVTimezone(timeZone: string, year: number): string[] {
  const transitions = zoneTransitions(timeZone, year);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
  const first = transitions[0];
  const second = transitions[1];
  if (!first) {
    const offset = zoneOffsetMinutes(timeZone, Date.UTC(year, 6, 1));
    lines.push(
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      `TZOFFSETFROM:${icsOffset(offset)}`,
      `TZOFFSETTO:${icsOffset(offset)}`,
      `TZNAME:${tzName(offset)}`,
      'END:STANDARD',
    );
  } else if (transitions.length === 2 && second && first.from === second.to && first.to === second.from) {
    for (const tr of transitions) {
      const kind = tr.to > tr.from ? 'DAYLIGHT' : 'STANDARD';
      // DTSTART of an observance is the onset in the wall-clock time that was in force before it.
      const onset = new Date(tr.at + tr.from * 60_000);
      const rule = yearlyRuleOf(onset);
      // The observance starts (per its rule) in 1970, so the zone is defined before the meeting's year too;
      // the rule reproduces this year's onset exactly.
      const firstOnset = new Date(
        Date.UTC(1970, rule.month, ruleDay(rule, 1970), onset.getUTCHours(), onset.getUTCMinutes(), onset.getUTCSeconds()),
      );
      lines.push(
        `BEGIN:${kind}`,
        `DTSTART:${wallString(firstOnset)}`,
        `RRULE:${rruleText(rule)}`,
        `TZOFFSETFROM:${icsOffset(tr.from)}`,
        `TZOFFSETTO:${icsOffset(tr.to)}`,
        `TZNAME:${tzName(tr.to)}`,
        `END:${kind}`,
      );
    }
  } else {
    lines.push(
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      `TZOFFSETFROM:${icsOffset(first.from)}`,
      `TZOFFSETTO:${icsOffset(first.from)}`,
      `TZNAME:${tzName(first.from)}`,
      'END:STANDARD',
    );
    for (const tr of transitions) {
      const onset = new Date(tr.at + tr.from * 60_000);
      lines.push(
        'BEGIN:STANDARD',
        `DTSTART:${wallString(onset)}`,
        `TZOFFSETFROM:${icsOffset(tr.from)}`,
        `TZOFFSETTO:${icsOffset(tr.to)}`,
        `TZNAME:${tzName(tr.to)}`,
        'END:STANDARD',
      );
    }
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

function wallString(wall: Date): string {
  return `${wall.getUTCFullYear()}${pad(wall.getUTCMonth() + 1)}${pad(wall.getUTCDate())}T${pad(
    wall.getUTCHours(),
  )}${pad(wall.getUTCMinutes())}${pad(wall.getUTCSeconds())}`;
}

function tzName(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// ---------------------------------------------------------------- the calendar

function safeEmail(email: string): string {
  if (!/^[^\s<>"@:;,]+@[^\s<>"@:;,]+$/.test(email)) throw new Error(`ics: invalid e-mail address ${JSON.stringify(email)}`);
  return email;
}

/** The whole VCALENDAR object, CRLF line ends, folded, ready to attach as text/calendar. */
export function buildIcs(input: IcsEventInput): string {
  if (!Number.isInteger(input.sequence) || input.sequence < 0) throw new Error('ics: sequence must be a non-negative integer');
  const startMs = new Date(input.start).getTime();
  const endMs = new Date(input.end).getTime();
  if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs <= startMs) throw new Error('ics: the event must end after it starts');
  const year = Number(icsLocal(input.start, input.timeZone).slice(0, 4));
  const cancelled = input.method === 'CANCEL';

  const event: string[] = [
    'BEGIN:VEVENT',
    `UID:${escapeIcsText(`${input.meetingUid}@kvorum`)}`,
    `SEQUENCE:${input.sequence}`,
    `DTSTAMP:${icsUtc(input.stamp)}`,
    `DTSTART;TZID=${input.timeZone}:${icsLocal(input.start, input.timeZone)}`,
    `DTEND;TZID=${input.timeZone}:${icsLocal(input.end, input.timeZone)}`,
    `SUMMARY:${escapeIcsText(input.summary)}`,
  ];
  if (input.location) event.push(`LOCATION:${escapeIcsText(input.location)}`);
  if (input.description) event.push(`DESCRIPTION:${escapeIcsText(input.description)}`);
  if (input.url) event.push(`URL:${new URL(input.url).toString()}`);
  if (input.organizer) {
    event.push(`ORGANIZER;CN=${paramValue(input.organizer.name)}:mailto:${safeEmail(input.organizer.email)}`);
  }
  if (input.attendee) {
    event.push(
      `ATTENDEE;CN=${paramValue(input.attendee.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:${safeEmail(
        input.attendee.email,
      )}`,
    );
  }
  event.push(`STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`, 'TRANSP:OPAQUE', 'END:VEVENT');

  const lines = [
    'BEGIN:VCALENDAR',
    `PRODID:${PRODID}`,
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    `METHOD:${input.method}`,
    ...buildVTimezone(input.timeZone, year),
    ...event,
    'END:VCALENDAR',
  ];
  return lines.map(foldIcsLine).join(CRLF) + CRLF;
}
