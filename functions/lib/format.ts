import type { Lang } from '../domain/types.ts';

/**
 * Every time shown carries its time zone (SPEC «Language and time»):
 * «10 марта 2026 г., 10:00 (Europe/Astrakhan, UTC+04:00)».
 */
export function formatInstant(instant: string | Date, timeZone: string, lang: Lang): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  const date = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(d);
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
  return `${date}, ${time} (${timeZone}, ${utcOffset(d, timeZone)})`;
}

/** The date alone, e.g. «10 марта 2026 г.» / «10 March 2026». */
export function formatDate(instant: string | Date, timeZone: string, lang: Lang): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(d);
}

/** "UTC+04:00" for the zone's offset at that instant. */
export function utcOffset(d: Date, timeZone: string): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName')?.value;
  if (!part || part === 'GMT') return 'UTC+00:00';
  return part.replace('GMT', 'UTC');
}
