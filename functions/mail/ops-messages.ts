/**
 * E-mails to whoever runs the system (stack parameter OpsEmail; locally the demo secretary), not to the
 * members of a group: Russian first, then the same in English, because ops may be a contractor who
 * reads either. Pure functions: input (plain data) → MailMessage, laid out by layout.ts.
 */
import type { CalendarYearInfo, HorizonWarning } from '../calendar/horizon.ts';
import type { IsoDate } from '../domain/types.ts';
import { renderHtml, renderText, type Block, type Layout } from './layout.ts';
import type { MailMessage } from './types.ts';

export interface CalendarHorizonInput {
  /** What the daily check found (functions/calendar/horizon.ts); at least one. */
  warnings: HorizonWarning[];
  /** The day of the check, in the group's time zone. */
  today: IsoDate;
  /** The years the calendar has, with their status. */
  years: CalendarYearInfo[];
  /** How far ahead the check looks, in days. */
  horizonDays: number;
}

/** 31.12.2027 */
const ruDate = (date: IsoDate): string => `${date.slice(8, 10)}.${date.slice(5, 7)}.${date.slice(0, 4)}`;

/** 1 день, 2 дня, 5 дней, 21 день, 11 дней. */
function ruDays(n: number): string {
  const abs = Math.abs(n);
  const last = abs % 10;
  const lastTwo = abs % 100;
  const word = lastTwo >= 11 && lastTwo <= 14 ? 'дней' : last === 1 ? 'день' : last >= 2 && last <= 4 ? 'дня' : 'дней';
  return `${n} ${word}`;
}

const enDays = (n: number): string => `${n} day${Math.abs(n) === 1 ? '' : 's'}`;

const dataFile = (year: number): string => `functions/calendar/data/${year}.json`;

type Ends = Extract<HorizonWarning, { kind: 'calendar-ends' }>;
type Provisional = Extract<HorizonWarning, { kind: 'provisional-in-use' }>;

function yearsList(years: CalendarYearInfo[], lang: 'ru' | 'en'): string {
  if (years.length === 0) return lang === 'ru' ? 'нет' : 'none';
  return years
    .map((y) => (y.status === 'provisional' ? `${y.year} (${lang === 'ru' ? 'предварительный' : 'provisional'})` : String(y.year)))
    .join(', ');
}

function subjectOf(ends: Ends | undefined, provisional: Provisional | undefined): string {
  if (ends && ends.daysLeft < 0) return `Kvorum: нет производственного календаря на ${ends.missingYear} год / No production calendar for ${ends.missingYear}`;
  if (ends && ends.endsOn) {
    return `Kvorum: производственный календарь заканчивается ${ruDate(ends.endsOn)}, добавьте ${ends.missingYear} год / The production calendar ends on ${ends.endsOn}: add ${ends.missingYear}`;
  }
  const list = provisional?.years.join(', ') ?? '';
  return `Kvorum: предварительный производственный календарь на ${list} год / Provisional production calendar for ${list}`;
}

function russianBlocks(input: CalendarHorizonInput, ends: Ends | undefined, provisional: Provisional | undefined): Block[] {
  const blocks: Block[] = [
    {
      kind: 'p',
      text: 'Ежедневная проверка производственного календаря Kvorum нашла то, что нужно исправить, пока это не остановило расчёт сроков в рабочих днях (подписание протокола — п. 2.5е, 3.4; рассылка протокола — п. 3.4).',
    },
  ];
  if (ends) {
    blocks.push({
      kind: 'p',
      text:
        ends.daysLeft >= 0 && ends.endsOn
          ? `Данные производственного календаря есть только по ${ruDate(ends.endsOn)} включительно: осталось ${ruDays(ends.daysLeft)}. Сроки, которые придутся на ${ends.missingYear} год, система не рассчитает: подписание протокола будет ждать календаря, а срок рассылки будет записан как «не рассчитан».`
          : `Производственного календаря на ${ends.missingYear} год нет${ends.endsOn ? ` (данные заканчиваются ${ruDate(ends.endsOn)})` : ''}: сроки в рабочих днях, приходящиеся на ${ends.missingYear} год, сейчас не рассчитываются.`,
    });
  }
  if (provisional) {
    const list = provisional.years.join(', ');
    blocks.push({
      kind: 'p',
      text: `Данные на ${list} год предварительные ("status": "provisional"): постановление Правительства РФ «О переносе выходных дней в ${list} году» ещё не сверено с официальной публикацией. Сроки, рассчитанные по ним, помечаются как предварительные.`,
    });
  }
  const todo: Array<{ text: string; detail?: string }> = [];
  if (ends) {
    todo.push({
      text: `Добавьте файл ${dataFile(ends.missingYear)} по постановлению «О переносе выходных дней в ${ends.missingYear} году» и зарегистрируйте его в functions/calendar/index.ts — по шагам README, раздел «Adding a year».`,
      detail: 'Если постановление ещё не опубликовано, добавьте год как предварительный ("status": "provisional") по опубликованному производственному календарю и подтвердите позже.',
    });
  }
  for (const year of provisional?.years ?? []) {
    todo.push({
      text: `Сверьте ${dataFile(year)} с официальной публикацией постановления и поставьте "status": "confirmed" — README, раздел «Confirming a provisional year».`,
    });
  }
  todo.push({ text: 'Разверните систему заново (cdk deploy) или перезапустите npm start.' });
  blocks.push({ kind: 'heading', text: 'Что сделать' }, { kind: 'list', ordered: true, items: todo });

  const rows: Array<[string, string]> = [['Дата проверки', ruDate(input.today)]];
  if (ends) {
    if (ends.endsOn) rows.push(['Данные есть по', ruDate(ends.endsOn)]);
    rows.push(['Осталось', ends.daysLeft >= 0 ? ruDays(ends.daysLeft) : 'данные закончились']);
  }
  if (provisional) rows.push(['Предварительные годы', provisional.years.join(', ')]);
  rows.push(['Годы в системе', yearsList(input.years, 'ru')]);
  blocks.push({ kind: 'facts', rows });
  blocks.push({
    kind: 'note',
    text: `Проверка выполняется ежедневно и смотрит на ${ruDays(input.horizonDays)} вперёд; это письмо приходит не чаще раза в неделю, пока проблема не устранена. Метрика CloudWatch: Kvorum/CalendarHorizonWarning.`,
  });
  return blocks;
}

function englishBlocks(input: CalendarHorizonInput, ends: Ends | undefined, provisional: Provisional | undefined): Block[] {
  const blocks: Block[] = [
    { kind: 'heading', text: 'In English' },
    {
      kind: 'p',
      text: "Kvorum's daily production calendar check found something to fix before it stops the working-day deadlines (signing the minutes, п. 2.5е, 3.4; sending the minutes, п. 3.4).",
    },
  ];
  if (ends) {
    blocks.push({
      kind: 'p',
      text:
        ends.daysLeft >= 0 && ends.endsOn
          ? `The production calendar has data up to ${ends.endsOn} only: ${enDays(ends.daysLeft)} left. Deadlines that fall in ${ends.missingYear} cannot be computed: signing waits for the calendar, and the distribution deadline is recorded as "not computable".`
          : `There is no production calendar for ${ends.missingYear}${ends.endsOn ? ` (the data ends on ${ends.endsOn})` : ''}: working-day deadlines that fall in ${ends.missingYear} are not being computed now.`,
    });
  }
  if (provisional) {
    const list = provisional.years.join(', ');
    blocks.push({
      kind: 'p',
      text: `The data for ${list} is provisional ("status": "provisional"): the Government decree on moving days off in ${list} is not yet checked against its official publication. Deadlines computed from it are marked provisional.`,
    });
  }
  const todo: Array<{ text: string; detail?: string }> = [];
  if (ends) {
    todo.push({
      text: `Add ${dataFile(ends.missingYear)} from the decree «О переносе выходных дней в ${ends.missingYear} году» and register it in functions/calendar/index.ts: README, section «Adding a year».`,
      detail: 'If the decree is not published yet, add the year as provisional ("status": "provisional") from a published production calendar, and confirm it later.',
    });
  }
  for (const year of provisional?.years ?? []) {
    todo.push({ text: `Check ${dataFile(year)} against the official publication of the decree and set "status": "confirmed": README, section «Confirming a provisional year».` });
  }
  todo.push({ text: 'Deploy again (cdk deploy), or restart npm start.' });
  blocks.push({ kind: 'p', text: 'What to do:' }, { kind: 'list', ordered: true, items: todo });
  blocks.push({
    kind: 'note',
    text: `The check runs daily and looks ${enDays(input.horizonDays)} ahead; this e-mail comes at most once a week until the problem is fixed. CloudWatch metric: Kvorum/CalendarHorizonWarning.`,
  });
  return blocks;
}

/** To ops: the production calendar runs out soon, or a provisional year is in use; what to do. */
export function calendarHorizonMessage(input: CalendarHorizonInput): MailMessage {
  if (input.warnings.length === 0) throw new Error('calendarHorizonMessage: no warnings');
  const ends = input.warnings.find((w): w is Ends => w.kind === 'calendar-ends');
  const provisional = input.warnings.find((w): w is Provisional => w.kind === 'provisional-in-use');
  const subject = subjectOf(ends, provisional);
  const layout: Layout = {
    lang: 'ru',
    subject,
    greetingName: 'коллеги',
    blocks: [...russianBlocks(input, ends, provisional), ...englishBlocks(input, ends, provisional)],
    signature: 'Kvorum — ежедневная проверка производственного календаря; письмо отправлено автоматически. / Kvorum — daily production calendar check; this e-mail was sent automatically.',
    personalLinks: false,
  };
  return { subject, text: renderText(layout), html: renderHtml(layout) };
}
