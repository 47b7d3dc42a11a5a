import type { Lang } from '../domain/types.ts';

// An Intl.DateTimeFormat costs far more to build than to use: keep one per (locale, options), where
// the options include the zone. Zones come from group settings, so the keys are few; the bound only
// keeps an unexpected flood of zone spellings from growing the cache.
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 1000;

function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, options);
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, cached);
  }
  return cached;
}

const localeOf = (lang: Lang): string => (lang === 'ru' ? 'ru-RU' : 'en-GB');
const toDate = (instant: string | Date): Date => (typeof instant === 'string' ? new Date(instant) : instant);

/**
 * Every time shown carries its time zone (SPEC «Language and time»):
 * «10 марта 2026 г., 10:00 (Europe/Astrakhan, UTC+04:00)».
 */
export function formatInstant(instant: string | Date, timeZone: string, lang: Lang): string {
  const d = toDate(instant);
  const time = formatter('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
  return `${formatDate(d, timeZone, lang)}, ${time} (${timeZone}, ${utcOffset(d, timeZone)})`;
}

/** The date alone, e.g. «10 марта 2026 г.» / «10 March 2026». */
export function formatDate(instant: string | Date, timeZone: string, lang: Lang): string {
  return formatter(localeOf(lang), { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(toDate(instant));
}

/** "UTC+04:00" for the zone's offset at that instant. */
export function utcOffset(d: Date, timeZone: string): string {
  const part = formatter('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName')?.value;
  if (!part || part === 'GMT') return 'UTC+00:00';
  return part.replace('GMT', 'UTC');
}
