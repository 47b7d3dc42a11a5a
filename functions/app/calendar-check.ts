/**
 * The daily check that the production calendar does not run out silently (README «Production calendar
 * horizon warning»): EventBridge runs it every day in AWS, the local runtime at start and once a day of
 * its clock. When the data ends within 90 days, or a provisional year is in use, it emits the metric
 * Kvorum/CalendarHorizonWarning (the stack's alarm watches it), logs what to do, and e-mails ops once
 * per ISO week (the send ledger keys the e-mail by the week).
 */
import { calendarYearInfo, HORIZON_DAYS, horizonWarnings, type HorizonWarning } from '../calendar/horizon.ts';
import { isoWeekNumber } from '../calendar/dates.ts';
import { defaultGroupSettings } from '../domain/deadlines.ts';
import { localDateOf } from '../domain/time.ts';
import type { IsoDate } from '../domain/types.ts';
import { emitMetric } from '../lib/metrics.ts';
import { calendarHorizonMessage } from '../mail/ops-messages.ts';
import type { Deps } from './deps.ts';

/** The custom metric (EMF, no dimensions) the stack's CalendarHorizonWarning alarm watches. */
export const CALENDAR_HORIZON_METRIC = { namespace: 'Kvorum', metricName: 'CalendarHorizonWarning' } as const;

/** The send-ledger key of the weekly e-mail: revision = the ISO week as YYYYWW. */
export const CALENDAR_HORIZON_MAIL = { meetingId: 'system', purpose: 'calendar-horizon', recipient: 'ops' } as const;

export type CalendarMailOutcome =
  /** Nothing to tell. */
  | 'not-needed'
  /** No ops address configured: metric and log only. */
  | 'no-ops-address'
  | 'sent'
  /** Already sent this ISO week. */
  | 'duplicate';

export interface CalendarCheckResult {
  /** The day checked, in `timeZone`. */
  today: IsoDate;
  /** ISO week of `today` as YYYYWW: the revision of the e-mail's ledger key. */
  week: number;
  warnings: HorizonWarning[];
  mail: CalendarMailOutcome;
  /** True when this run sent the e-mail. */
  mailed: boolean;
}

export interface CalendarCheckOptions {
  /** The zone "today" is taken in; defaults to the groups' default (Europe/Astrakhan). */
  timeZone?: string;
  horizonDays?: number;
}

export async function checkCalendarHorizon(deps: Deps, options: CalendarCheckOptions = {}): Promise<CalendarCheckResult> {
  const now = deps.clock.now();
  const today = localDateOf(now, options.timeZone ?? defaultGroupSettings.timeZone);
  const week = isoWeekNumber(today);
  const horizonDays = options.horizonDays ?? HORIZON_DAYS;
  const years = calendarYearInfo(deps.calendar);
  const warnings = horizonWarnings(today, years, { horizonDays });
  if (warnings.length === 0) {
    console.log(JSON.stringify({ level: 'INFO', message: `Production calendar check ${today}: data up to ${years.at(-1)?.year ?? '—'}, no warning` }));
    return { today, week, warnings, mail: 'not-needed', mailed: false };
  }

  // The metric first: the alarm fires even if the e-mail cannot be sent.
  emitMetric({ namespace: CALENDAR_HORIZON_METRIC.namespace, name: CALENDAR_HORIZON_METRIC.metricName, value: 1, timestamp: now, properties: { today, warnings: warnings.map(describe) } });
  const message = calendarHorizonMessage({ warnings, today, years, horizonDays });
  console.warn(
    JSON.stringify({
      level: 'WARN',
      message: message.subject,
      warnings,
      todo: todoOf(warnings),
      ...(deps.opsAddress ? {} : { mail: 'no ops address (stack parameter OpsEmail): metric and log only' }),
    }),
  );
  if (!deps.opsAddress) return { today, week, warnings, mail: 'no-ops-address', mailed: false };

  // A failed send releases the ledger claim and throws: the invocation fails (Errors alarm) and is retried.
  const result = await deps.mailer.send({ ...CALENDAR_HORIZON_MAIL, revision: week }, message, deps.opsAddress);
  return { today, week, warnings, mail: result.status, mailed: result.status === 'sent' };
}

function describe(w: HorizonWarning): string {
  return w.kind === 'calendar-ends'
    ? `calendar ends ${w.endsOn ?? '(no data)'} (${w.daysLeft} days left), ${w.missingYear} missing`
    : `provisional year(s) in use: ${w.years.join(', ')}`;
}

function todoOf(warnings: HorizonWarning[]): string[] {
  return warnings.flatMap((w) =>
    w.kind === 'calendar-ends'
      ? [`add functions/calendar/data/${w.missingYear}.json and deploy (README «Adding a year»)`]
      : w.years.map((y) => `confirm functions/calendar/data/${y}.json against its decree and deploy (README «Confirming a provisional year»)`),
  );
}
