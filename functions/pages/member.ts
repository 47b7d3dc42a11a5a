/**
 * Pages behind the personal links e-mailed to members (SPEC «Links in e-mails»). Each shows the
 * facts and one or more forms with method="post"; nothing submits by itself. Given `errors`, a page
 * re-shows the form with the messages and the person's input (escaped) and suggests status 422.
 */
import type { Choice, Instant } from '../domain/types.ts';
import { html, type SafeHtml } from '../lib/html.ts';
import {
  errorSummary,
  factsTable,
  fieldError,
  hasErrors,
  renderPage,
  t,
  when,
  type FieldErrors,
  type PageFacts,
  type PageResult,
} from './layout.ts';

export interface PageItem {
  id: string;
  title: string;
}

/** Form field names the HTTP layer parses. */
export const opinionFieldName = (itemId: string): string => `opinion_${itemId}`;
export const voteFieldName = (itemId: string): string => `vote_${itemId}`;

function result(facts: PageFacts, title: string, body: SafeHtml, errors?: FieldErrors): PageResult {
  return {
    status: hasErrors(errors) ? 422 : 200,
    html: renderPage({ lang: facts.lang, title, groupName: facts.groupName, body, personal: true }),
  };
}

function describedBy(errors: FieldErrors | undefined, name: string): SafeHtml {
  return errors?.[name] ? html` aria-invalid="true" aria-describedby="${`err-${name}`}"` : html``;
}

function textInput(opts: {
  name: string;
  label: string;
  value?: string;
  errors?: FieldErrors;
  lang: PageFacts['lang'];
  type?: 'text' | 'email';
  required?: boolean;
  maxLength?: number;
}): SafeHtml {
  return html`<label for="${opts.name}">${opts.label}</label>
${fieldError(opts.errors, opts.name, opts.lang)}<input type="${opts.type ?? 'text'}" id="${opts.name}" name="${opts.name}" value="${opts.value ?? ''}"${opts.required ? html` required` : ''}${opts.maxLength ? html` maxlength="${opts.maxLength}"` : ''}${describedBy(opts.errors, opts.name)}>`;
}

function textArea(opts: {
  name: string;
  label: string;
  value?: string;
  errors?: FieldErrors;
  lang: PageFacts['lang'];
  required?: boolean;
  maxLength?: number;
}): SafeHtml {
  return html`<label for="${opts.name}">${opts.label}</label>
${fieldError(opts.errors, opts.name, opts.lang)}<textarea id="${opts.name}" name="${opts.name}"${opts.required ? html` required` : ''}${opts.maxLength ? html` maxlength="${opts.maxLength}"` : ''}${describedBy(opts.errors, opts.name)}>${opts.value ?? ''}</textarea>`;
}

// ---------------------------------------------------------------------------------------------
// п. 2.5д, 2.6г: propose an agenda item or an invitation.

export interface ProposalValues {
  kind: 'agenda-item' | 'invitation';
  title?: string;
  description?: string;
  decision?: string;
  speaker?: string;
  inviteeName?: string;
  inviteePosition?: string;
  inviteeOrganisation?: string;
  inviteeEmail?: string;
  reason?: string;
}

export function proposalPage(input: {
  facts: PageFacts;
  action: string;
  /** п. 2.5д: proposals are accepted until this instant. */
  deadline: Instant;
  values?: ProposalValues;
  errors?: FieldErrors;
}): PageResult {
  const { facts, action, errors } = input;
  const lang = facts.lang;
  const item = input.values?.kind === 'agenda-item' ? input.values : undefined;
  const inv = input.values?.kind === 'invitation' ? input.values : undefined;
  const itemErrors = item ? errors : undefined;
  const invErrors = inv ? errors : undefined;
  const body = html`${factsTable(facts)}
<p class="deadline">${t(lang, 'Предложения принимаются до', 'Proposals are accepted until')} ${when(input.deadline, facts.timeZone, lang)}.</p>
<p class="note">${t(lang, 'Секретарь формирует повестку дня из предложений, председатель её утверждает (п. 2.3в, 2.5в). Решение о приглашении принимает председатель (п. 2.3б).', 'The secretary forms the agenda from the proposals and the chair approves it (cl. 2.3(c), 2.5(c)). The chair decides on invitations (cl. 2.3(b)).')}</p>
<h2>${t(lang, 'Предложить вопрос в повестку дня', 'Propose an agenda item')}</h2>
<form method="post" action="${action}">
${errorSummary(itemErrors, lang)}<input type="hidden" name="kind" value="agenda-item">
${textInput({ name: 'title', label: t(lang, 'Формулировка вопроса', 'The item'), value: item?.title, errors: itemErrors, lang, required: true, maxLength: 500 })}
${textArea({ name: 'description', label: t(lang, 'Обоснование (необязательно)', 'Reasons (optional)'), value: item?.description, errors: itemErrors, lang, maxLength: 5000 })}
${textArea({ name: 'decision', label: t(lang, 'Проект решения (необязательно)', 'Draft decision (optional)'), value: item?.decision, errors: itemErrors, lang, maxLength: 5000 })}
${textInput({ name: 'speaker', label: t(lang, 'Предлагаемый докладчик (необязательно)', 'Proposed speaker (optional)'), value: item?.speaker, errors: itemErrors, lang, maxLength: 200 })}
<button type="submit">${t(lang, 'Отправить предложение', 'Send the proposal')}</button>
</form>
<h2>${t(lang, 'Предложить пригласить на заседание', 'Propose an invitation')}</h2>
<form method="post" action="${action}">
${errorSummary(invErrors, lang)}<input type="hidden" name="kind" value="invitation">
${textInput({ name: 'inviteeName', label: t(lang, 'Фамилия, имя, отчество', 'Full name'), value: inv?.inviteeName, errors: invErrors, lang, required: true, maxLength: 200 })}
${textInput({ name: 'inviteePosition', label: t(lang, 'Должность', 'Position'), value: inv?.inviteePosition, errors: invErrors, lang, required: true, maxLength: 300 })}
${textInput({ name: 'inviteeOrganisation', label: t(lang, 'Орган власти, организация', 'Authority, organisation'), value: inv?.inviteeOrganisation, errors: invErrors, lang, maxLength: 300 })}
${textInput({ name: 'inviteeEmail', label: t(lang, 'Адрес электронной почты', 'E-mail address'), value: inv?.inviteeEmail, errors: invErrors, lang, type: 'email', required: true, maxLength: 254 })}
${textArea({ name: 'reason', label: t(lang, 'Зачем пригласить (необязательно)', 'Why invite them (optional)'), value: inv?.reason, errors: invErrors, lang, maxLength: 2000 })}
<button type="submit">${t(lang, 'Отправить предложение', 'Send the proposal')}</button>
</form>`;
  return result(facts, t(lang, 'Предложения к заседанию', 'Proposals for the meeting'), body, errors);
}

// ---------------------------------------------------------------------------------------------
// п. 2.6а, 2.7: "I will take part" / "I will be absent" with a written opinion per item.

export function attendancePage(input: {
  facts: PageFacts;
  action: string;
  agenda: PageItem[];
  /** п. 2.7: end of the day before the meeting day, group time zone. */
  opinionsDeadline: Instant;
  /** False once the deadline has passed: absence can still be reported, opinions cannot. */
  opinionsOpen: boolean;
  current?: 'present' | 'absent' | null;
  values?: { opinions?: Record<string, string> };
  errors?: FieldErrors;
}): PageResult {
  const { facts, action, errors } = input;
  const lang = facts.lang;
  const deadline = when(input.opinionsDeadline, facts.timeZone, lang);
  const currentText = input.current === 'present'
    ? t(lang, 'Сейчас отмечено: вы примете участие.', 'Currently recorded: you will take part.')
    : input.current === 'absent'
      ? t(lang, 'Сейчас отмечено: вы будете отсутствовать.', 'Currently recorded: you will be absent.')
      : '';
  const opinions = input.opinionsOpen
    ? html`<p class="deadline">${t(lang, 'Письменное мнение по вопросам повестки дня принимается до', 'A written opinion on the agenda items is accepted until')} ${deadline} ${t(lang, '(п. 2.7: не позднее чем за 1 день до заседания). Оно рассматривается на заседании и приобщается к протоколу как его неотъемлемая часть.', '(cl. 2.7: no later than 1 day before the meeting). It is considered at the meeting and attached to the minutes as their integral part.')}</p>
${input.agenda.map((item, i) =>
  textArea({
    name: opinionFieldName(item.id),
    label: `${i + 1}. ${item.title}`,
    value: input.values?.opinions?.[item.id],
    errors,
    lang,
    maxLength: 10000,
  }),
)}`
    : html`<p class="deadline">${t(lang, 'Срок приёма письменных мнений истёк', 'The deadline for written opinions has passed')}: ${deadline} (${t(lang, 'п. 2.7', 'cl. 2.7')}). ${t(lang, 'Вы можете только сообщить об отсутствии.', 'You can only report your absence.')}</p>`;
  const body = html`${factsTable(facts)}
${currentText ? html`<p class="note">${currentText}</p>` : ''}
<h2>${t(lang, 'Я приму участие', 'I will take part')}</h2>
<form method="post" action="${action}">
<input type="hidden" name="attendance" value="present">
<p class="note">${t(lang, 'В начале заседания вам придёт ссылка на бюллетень для голосования.', 'When the meeting starts you will receive a link to the ballot.')}</p>
<button type="submit">${t(lang, 'Я приму участие', 'I will take part')}</button>
</form>
<h2>${t(lang, 'Я буду отсутствовать', 'I will be absent')}</h2>
<form method="post" action="${action}">
${errorSummary(errors, lang)}<input type="hidden" name="attendance" value="absent">
${opinions}
<button type="submit" class="secondary">${input.opinionsOpen ? t(lang, 'Я буду отсутствовать — отправить мнение', 'I will be absent — send my opinion') : t(lang, 'Я буду отсутствовать', 'I will be absent')}</button>
</form>`;
  return result(facts, t(lang, 'Участие в заседании', 'Taking part in the meeting'), body, errors);
}

// ---------------------------------------------------------------------------------------------
// п. 2.6б, 3.2: the open, named ballot; the last vote before closing counts.

export function ballotPage(input: {
  facts: PageFacts;
  action: string;
  items: PageItem[];
  /** The member's current votes, pre-filled. */
  current: Record<string, Choice | undefined>;
  voteCloses: Instant;
  /** Re-shown input after a validation error (takes precedence over `current`). */
  values?: Record<string, string | undefined>;
  errors?: FieldErrors;
}): PageResult {
  const { facts, action, errors } = input;
  const lang = facts.lang;
  const choices: Array<[Choice, string]> = [
    ['for', t(lang, 'За', 'For')],
    ['against', t(lang, 'Против', 'Against')],
    ['abstain', t(lang, 'Воздержался', 'Abstain')],
  ];
  const body = html`${factsTable(facts)}
<p class="deadline">${t(lang, 'Голосование открытое и поимённое. Голос можно изменить до закрытия голосования', 'Voting is open and named. You can change your vote until voting closes')}: ${when(input.voteCloses, facts.timeZone, lang)}. ${t(lang, 'Учитывается последний голос.', 'The last vote counts.')}</p>
<form method="post" action="${action}">
${errorSummary(errors, lang)}${input.items.map((item, i) => {
  const name = voteFieldName(item.id);
  const selected = input.values ? input.values[item.id] : input.current[item.id];
  return html`<fieldset${describedBy(errors, name)}>
<legend>${i + 1}. ${item.title}</legend>
${fieldError(errors, name, lang)}${choices.map(
  ([value, label]) =>
    html`<label class="choice"><input type="radio" name="${name}" value="${value}"${selected === value ? html` checked` : ''}>${label}</label>`,
)}
</fieldset>`;
})}
<button type="submit">${t(lang, 'Проголосовать', 'Cast my vote')}</button>
</form>`;
  return result(facts, t(lang, 'Бюллетень для голосования', 'Ballot'), body, errors);
}

// ---------------------------------------------------------------------------------------------
// п. 2.6ж: a dissenting opinion (особое мнение), attached to the protocol until signing ends.

export function dissentPage(input: {
  facts: PageFacts;
  action: string;
  items: PageItem[];
  /** Accepted until the end of signing (SPEC lifecycle 6). */
  deadline: Instant;
  values?: { itemId?: string; text?: string };
  errors?: FieldErrors;
}): PageResult {
  const { facts, action, errors } = input;
  const lang = facts.lang;
  const chosen = input.values?.itemId ?? '';
  const body = html`${factsTable(facts)}
<p class="deadline">${t(lang, 'Особое мнение принимается до', 'A dissenting opinion is accepted until')} ${when(input.deadline, facts.timeZone, lang)}. ${t(lang, 'Оно прилагается к протоколу (п. 2.6ж).', 'It is attached to the minutes (cl. 2.6(g)).')}</p>
<form method="post" action="${action}">
${errorSummary(errors, lang)}<label for="itemId">${t(lang, 'По какому вопросу', 'On which item')}</label>
${fieldError(errors, 'itemId', lang)}<select id="itemId" name="itemId"${describedBy(errors, 'itemId')}>
<option value=""${chosen === '' ? html` selected` : ''}>${t(lang, 'По протоколу в целом', 'On the minutes as a whole')}</option>
${input.items.map((item, i) => html`<option value="${item.id}"${chosen === item.id ? html` selected` : ''}>${i + 1}. ${item.title}</option>`)}
</select>
${textArea({ name: 'text', label: t(lang, 'Текст особого мнения', 'Your dissenting opinion'), value: input.values?.text, errors, lang, required: true, maxLength: 20000 })}
<button type="submit">${t(lang, 'Приложить особое мнение', 'Attach my dissenting opinion')}</button>
</form>`;
  return result(facts, t(lang, 'Особое мнение', 'Dissenting opinion'), body, errors);
}

// ---------------------------------------------------------------------------------------------
// п. 2.6з, 3.4: read and sign the exact version of the protocol.

export function signPage(input: {
  facts: PageFacts;
  action: string;
  /** SHA-256 of the version shown (protocolHash); posted back so a changed protocol is not signed blind. */
  protocolSha256: string;
  /** The protocol body to read (renderProtocolArticle(model, lang, { variant: 'signable' })), and/or a link to it. */
  protocol?: SafeHtml;
  protocolUrl?: string;
  pdfUrl?: string;
  signingDeadline: Instant;
}): PageResult {
  const { facts, action } = input;
  const lang = facts.lang;
  const body = html`${factsTable(facts, [[t(lang, 'SHA-256 протокола', 'SHA-256 of the minutes'), input.protocolSha256]])}
<p class="deadline">${t(lang, 'Подписи принимаются до', 'Signatures are accepted until')} ${when(input.signingDeadline, facts.timeZone, lang)}.</p>
${input.protocolUrl || input.pdfUrl
  ? html`<p>${input.protocolUrl ? html`<a href="${input.protocolUrl}">${t(lang, 'Открыть протокол (HTML)', 'Open the minutes (HTML)')}</a>` : ''}${input.protocolUrl && input.pdfUrl ? ' · ' : ''}${input.pdfUrl ? html`<a href="${input.pdfUrl}">${t(lang, 'Скачать PDF', 'Download the PDF')}</a>` : ''}</p>`
  : ''}
${input.protocol ? html`<div class="protocol-frame">${input.protocol}</div>` : ''}
<form method="post" action="${action}">
<input type="hidden" name="sha256" value="${input.protocolSha256}">
<p>${t(lang, 'Нажимая «Подписать», вы подписываете простой электронной подписью именно эту версию протокола:', 'By pressing "Sign" you sign exactly this version of the minutes with a simple electronic signature:')}</p>
<p class="hash">SHA-256: ${input.protocolSha256}</p>
<p class="note">${t(lang, 'Сохраняются: кто подписал, когда, хеш документа и использованная ссылка. Если протокол изменят после первой подписи, все подписи аннулируются и ссылка придёт заново.', 'Recorded: who signed, when, the document hash and the link used. If the minutes are edited after the first signature, all signatures are voided and a new link is sent.')}</p>
<button type="submit">${t(lang, 'Подписать', 'Sign')}</button>
</form>`;
  return result(facts, t(lang, 'Подписание протокола', 'Signing the minutes'), body);
}
