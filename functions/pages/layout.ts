/**
 * The shared layout of the member pages opened from e-mailed links (SPEC «Links in e-mails»).
 * No JavaScript, no external assets, no meta refresh: opening a page (GET) shows the facts and a
 * button; only the button (POST) acts. One inline <style> whose hash is in PAGE_CSP, so the HTTP
 * layer can serve `Content-Security-Policy: PAGE_CSP` without 'unsafe-inline'.
 */
import { createHash } from 'node:crypto';
import type { Instant, Lang, Role } from '../domain/types.ts';
import { formatInstant } from '../lib/format.ts';
import { html, raw, type SafeHtml } from '../lib/html.ts';
import { PROTOCOL_CSS } from '../protocol/html.ts';

/** What a page hands to the HTTP layer: a suggested status and the complete document. */
export interface PageResult {
  status: number;
  html: string;
}

/** The facts every page shows: the meeting and who the link belongs to. */
export interface PageFacts {
  lang: Lang;
  groupName: string;
  meetingTitle: string;
  meetingStart: Instant;
  timeZone: string;
  place?: string;
  person: { name: string; role?: Role | 'invitee' };
}

export type ValidationCode = 'required' | 'too-long' | 'invalid-email' | 'invalid-choice' | 'invalid';

/** A problem with one form field; `max` for 'too-long'. */
export interface FieldIssue {
  code: ValidationCode;
  max?: number;
}

export type FieldErrors = Record<string, FieldIssue>;

const PAGE_BASE_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;font-size:17px;line-height:1.5;color:#1b1b1b;background:#f5f5f2}
.page{max-width:44rem;margin:0 auto;padding:1rem}
.site{font-size:.9rem;color:#555;margin:0 0 .75rem}
main{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem 1.25rem}
h1{font-size:1.45rem;line-height:1.25;margin:.2rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.facts{border-collapse:collapse;margin:0 0 1rem;width:100%}
.facts th{text-align:left;font-weight:normal;color:#555;padding:.2rem .75rem .2rem 0;vertical-align:top;width:35%}
.facts td{padding:.2rem 0;vertical-align:top;overflow-wrap:anywhere}
form{margin:1rem 0;padding:1rem 0 0;border-top:1px solid #e4e4e4}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=email],textarea,select{width:100%;font:inherit;padding:.5rem;border:1px solid #999;border-radius:4px;background:#fff}
textarea{min-height:6rem;resize:vertical}
fieldset{border:1px solid #ddd;border-radius:4px;margin:.75rem 0;padding:.5rem .75rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:inline-block;margin:.25rem 1.25rem .25rem 0;font-weight:normal}
.choice input{margin-right:.35rem}
button{font:inherit;font-weight:600;padding:.65rem 1.4rem;margin:1rem 0 .25rem;border:0;border-radius:4px;background:#1f4f8f;color:#fff;cursor:pointer}
button.secondary{background:#5a5a5a}
.note{color:#444;font-size:.95rem}
.deadline{background:#fff8e1;border-left:4px solid #e0a800;padding:.5rem .75rem}
.success{background:#e9f6ec;border-left:4px solid #2e7d32;padding:.5rem .75rem}
.error{background:#fdecea;border-left:4px solid #b3261e;padding:.5rem .75rem}
.field-error{color:#b3261e;font-weight:600;margin:.25rem 0}
.hash{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.9rem;overflow-wrap:anywhere}
.refused{white-space:pre-wrap;border-left:3px solid #999;padding-left:.75rem;color:#333}
.protocol-frame{border:1px solid #ccc;padding:0 1rem;margin:1rem 0;max-height:none}
footer{font-size:.8rem;color:#777;margin:1rem 0}
`;

/** One style block for every page (the protocol styles included, for the signing page). */
export const PAGE_CSS = PAGE_BASE_CSS + PROTOCOL_CSS;

/** CSP for every member page: no scripts, only the page's own style, forms post to this site only. */
export const PAGE_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(PAGE_CSS, 'utf8').digest('base64')}'; ` +
  `img-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

export function t(lang: Lang, ru: string, en: string): string {
  return lang === 'ru' ? ru : en;
}

export function when(instant: Instant, timeZone: string, lang: Lang): string {
  return formatInstant(instant, timeZone, lang);
}

const roleNames: Record<Lang, Record<Role | 'invitee', string>> = {
  ru: { chair: 'председатель', deputy: 'заместитель председателя', secretary: 'секретарь', member: 'член рабочей группы', invitee: 'приглашённый' },
  en: { chair: 'chair', deputy: 'deputy chair', secretary: 'secretary', member: 'member of the working group', invitee: 'invitee' },
};

/** The facts table: meeting, date and time with zone, place, who you are. */
export function factsTable(f: PageFacts, extra: Array<[string, string]> = []): SafeHtml {
  const { lang } = f;
  const rows: Array<[string, string]> = [
    [t(lang, 'Рабочая группа', 'Working group'), f.groupName],
    [t(lang, 'Заседание', 'Meeting'), f.meetingTitle],
    [t(lang, 'Дата и время', 'Date and time'), when(f.meetingStart, f.timeZone, lang)],
  ];
  if (f.place) rows.push([t(lang, 'Место', 'Place'), f.place]);
  rows.push([
    t(lang, 'Вы', 'You'),
    f.person.role ? `${f.person.name} (${roleNames[lang][f.person.role]})` : f.person.name,
  ]);
  rows.push(...extra);
  return html`<table class="facts">${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>`;
}

export function issueMessage(issue: FieldIssue, lang: Lang): string {
  switch (issue.code) {
    case 'required':
      return t(lang, 'Заполните это поле.', 'Please fill in this field.');
    case 'too-long':
      return issue.max
        ? t(lang, `Не более ${issue.max} символов.`, `At most ${issue.max} characters.`)
        : t(lang, 'Слишком длинный текст.', 'The text is too long.');
    case 'invalid-email':
      return t(lang, 'Укажите адрес электронной почты, например name@example.ru.', 'Enter an e-mail address, e.g. name@example.org.');
    case 'invalid-choice':
      return t(lang, 'Выберите один из вариантов.', 'Choose one of the options.');
    case 'invalid':
      return t(lang, 'Недопустимое значение.', 'Invalid value.');
  }
}

/** The message under a field, if it has a problem. */
export function fieldError(errors: FieldErrors | undefined, name: string, lang: Lang): SafeHtml {
  const issue = errors?.[name];
  return issue ? html`<p class="field-error" id="${`err-${name}`}">${issueMessage(issue, lang)}</p>` : html``;
}

/** The summary at the top of a form that failed validation. */
export function errorSummary(errors: FieldErrors | undefined, lang: Lang): SafeHtml {
  if (!errors || Object.keys(errors).length === 0) return html``;
  return html`<div class="error" role="alert"><p><strong>${t(lang, 'Данные не сохранены: исправьте отмеченные поля и отправьте форму снова.', 'Nothing was saved: please correct the marked fields and submit again.')}</strong></p></div>`;
}

export function hasErrors(errors: FieldErrors | undefined): boolean {
  return !!errors && Object.keys(errors).length > 0;
}

/** A complete HTML document around the page body. */
export function renderPage(opts: {
  lang: Lang;
  title: string;
  groupName?: string;
  body: SafeHtml;
  /** A page behind a personal link with a form: adds the "nothing changes until you press" note. */
  personal?: boolean;
}): string {
  const { lang } = opts;
  return html`<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${opts.title} — Kvorum</title>
<style>${raw(PAGE_CSS)}</style>
</head>
<body>
<div class="page">
<p class="site">Kvorum${opts.groupName ? html` · ${opts.groupName}` : ''}</p>
<main>
<h1>${opts.title}</h1>
${opts.body}
</main>
${opts.personal ? html`<footer>${t(lang, 'Эта страница ничего не меняет, пока вы не нажмёте кнопку. Ссылка персональная — не пересылайте её.', 'This page changes nothing until you press a button. The link is personal — do not forward it.')}</footer>` : ''}
</div>
</body>
</html>
`.value;
}
