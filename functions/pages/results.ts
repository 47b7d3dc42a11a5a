/**
 * Result pages after a POST: success with what was recorded, and clear error pages in the
 * person's language (SPEC «Bad input», «Links in e-mails»), each with a suggested HTTP status.
 * Validation errors are not here: the form pages re-show themselves with `errors` (status 422).
 */
import type { Instant, Lang } from '../domain/types.ts';
import { html, type SafeHtml } from '../lib/html.ts';
import { factsTable, renderPage, t, when, type PageFacts, type PageResult } from './layout.ts';

export type SuccessKind =
  | 'vote'
  | 'attendance-present'
  | 'attendance-absent'
  | 'proposal'
  | 'invitation'
  | 'dissent'
  | 'signed';

const successTitles: Record<SuccessKind, [ru: string, en: string]> = {
  vote: ['Ваш голос учтён', 'Your vote has been recorded'],
  'attendance-present': ['Участие подтверждено', 'Your participation is confirmed'],
  'attendance-absent': ['Отсутствие отмечено', 'Your absence is recorded'],
  proposal: ['Предложение в повестку дня принято', 'Your agenda proposal has been received'],
  invitation: ['Предложение о приглашении принято', 'Your invitation proposal has been received'],
  dissent: ['Особое мнение приложено к протоколу', 'Your dissenting opinion is attached to the minutes'],
  signed: ['Протокол подписан', 'You have signed the minutes'],
};

/**
 * «Ваш голос учтён» and the like, with what was recorded (`recorded`: label → value rows,
 * e.g. each item with the choice) and the moment it was recorded.
 */
export function successPage(input: {
  facts: PageFacts;
  kind: SuccessKind;
  recordedAt: Instant;
  recorded?: Array<[label: string, value: string]>;
  /** e.g. «Голос можно изменить до …» — plain text. */
  note?: string;
}): PageResult {
  const { facts } = input;
  const lang = facts.lang;
  const [ru, en] = successTitles[input.kind];
  const body = html`<p class="success" role="status">${t(lang, ru, en)}. ${t(lang, 'Записано', 'Recorded')}: ${when(input.recordedAt, facts.timeZone, lang)}.</p>
${factsTable(facts)}
${input.recorded && input.recorded.length > 0
  ? html`<h2>${t(lang, 'Что записано', 'What was recorded')}</h2>
<table class="facts">${input.recorded.map(([k, v]) => html`<tr><th scope="row">${k}</th>${/^[0-9a-f]{64}$/.test(v) ? html`<td class="hash">` : html`<td>`}${v}</td></tr>`)}</table>`
  : ''}
${input.note ? html`<p class="note">${input.note}</p>` : ''}`;
  return { status: 200, html: renderPage({ lang, title: t(lang, ru, en), groupName: facts.groupName, body }) };
}

export type ErrorReason =
  | 'expired'
  | 'revoked'
  | 'unknown'
  | 'used'
  | 'deadline-passed'
  | 'voting-closed'
  | 'ballot-not-stored'
  | 'bad-request';

/** Suggested HTTP status per reason. */
export const ERROR_STATUS: Record<ErrorReason, number> = {
  expired: 410,
  revoked: 410,
  unknown: 404,
  used: 409,
  'deadline-passed': 409,
  'voting-closed': 409,
  'ballot-not-stored': 409,
  'bad-request': 400,
};

/** What the late action was, for 'deadline-passed' and 'used'. */
export type ActionKind = 'opinion' | 'proposal' | 'dissent' | 'signature' | 'attendance' | 'vote';

export interface ErrorPageInput {
  lang: Lang;
  reason: ErrorReason;
  /** The facts, when the link is genuine (never for 'unknown': a forged link learns nothing). */
  facts?: PageFacts;
  timeZone?: string;
  /** 'expired': the link's deadline; 'deadline-passed' / 'voting-closed': the deadline that passed. */
  deadline?: Instant;
  /** 'used': when the link was used. */
  usedAt?: Instant;
  action?: ActionKind;
  /** 'deadline-passed': the text the person sent, shown back (escaped) so it is not lost. */
  refusedText?: string;
  /** 'ballot-not-stored': why the ballot was refused (the page says that none of it was stored). */
  ballotRefusal?: BallotRefusal;
}

/** Why a ballot was refused whole. */
export type BallotRefusal = 'voting-closed' | 'not-a-voter' | 'conflict' | 'too-large';

export function errorPage(input: ErrorPageInput): PageResult {
  const { lang, reason } = input;
  const tz = input.facts?.timeZone ?? input.timeZone ?? 'UTC';
  const at = (i: Instant) => when(i, tz, lang);
  let title: string;
  let lines: SafeHtml[];
  switch (reason) {
    case 'expired':
      title = t(lang, 'Срок действия ссылки истёк', 'This link has expired');
      lines = [
        html`<p>${t(lang, 'Ссылка действует до своего срока и после него ничего не меняет.', 'A link works until its deadline and changes nothing after it.')}${input.deadline ? html` ${t(lang, 'Эта ссылка действовала до', 'This link was valid until')} ${at(input.deadline)}.` : ''}</p>`,
        html`<p>${t(lang, 'Если вам нужно что-то сообщить, обратитесь к секретарю рабочей группы.', 'If you need to tell us something, please contact the secretary of the working group.')}</p>`,
      ];
      break;
    case 'revoked':
      title = t(lang, 'Ссылка отозвана', 'This link has been revoked');
      lines = [
        html`<p>${t(lang, 'Эта ссылка больше не действует: её отозвали (например, заседание перенесено или отменено, или вам отправлена новая ссылка). Воспользуйтесь ссылкой из последнего письма.', 'This link no longer works: it was revoked (for example, the meeting was moved or cancelled, or a new link was sent to you). Please use the link from the latest e-mail.')}</p>`,
      ];
      break;
    case 'unknown':
      title = t(lang, 'Ссылка не найдена', 'Link not found');
      lines = [
        html`<p>${t(lang, 'Ссылка неверна или повреждена. Проверьте, что она скопирована из письма полностью.', 'The link is invalid or damaged. Please check that it was copied from the e-mail in full.')}</p>`,
      ];
      break;
    case 'used': {
      title = input.action === 'signature'
        ? t(lang, 'Протокол уже подписан', 'The minutes are already signed')
        : t(lang, 'Ссылка уже использована', 'This link has already been used');
      lines = [
        html`<p>${input.action === 'signature'
          ? t(lang, 'Вы уже подписали этот протокол по этой ссылке. Повторная подпись не нужна.', 'You have already signed these minutes with this link. No second signature is needed.')
          : t(lang, 'Эта ссылка одноразовая и уже использована; повторное действие не выполнено.', 'This link can be used once and has been used; nothing was done again.')}${input.usedAt ? html` ${t(lang, 'Использована', 'Used')}: ${at(input.usedAt)}.` : ''}</p>`,
      ];
      break;
    }
    case 'deadline-passed': {
      const what: Record<ActionKind, [string, string]> = {
        opinion: ['Письменное мнение не принято: срок его направления истёк (п. 2.7 — не позднее чем за 1 день до заседания).', 'Your written opinion is refused: the deadline has passed (cl. 2.7 — no later than 1 day before the meeting).'],
        proposal: ['Предложение не принято: срок приёма предложений в повестку дня истёк.', 'Your proposal is refused: the deadline for agenda proposals has passed.'],
        dissent: ['Особое мнение не принято: срок подписания протокола истёк.', 'Your dissenting opinion is refused: the signing period has ended.'],
        signature: ['Подпись не принята: срок подписания протокола истёк.', 'Your signature is refused: the signing period has ended.'],
        attendance: ['Ответ не принят: срок истёк.', 'Your answer is refused: the deadline has passed.'],
        vote: ['Голос не принят: голосование закрыто.', 'Your vote is refused: voting has closed.'],
      };
      const [ru, en] = what[input.action ?? 'opinion'];
      title = t(lang, 'Срок истёк', 'The deadline has passed');
      lines = [
        html`<p class="error">${t(lang, ru, en)}${input.deadline ? html` ${t(lang, 'Срок', 'Deadline')}: ${at(input.deadline)}.` : ''}</p>`,
        input.refusedText
          ? html`<p>${t(lang, 'Ваш текст не сохранён; вот он, чтобы вы его не потеряли:', 'Your text was not saved; here it is so you do not lose it:')}</p><div class="refused">${input.refusedText}</div>`
          : html``,
      ];
      break;
    }
    case 'voting-closed':
      title = t(lang, 'Голосование закрыто', 'Voting has closed');
      lines = [
        html`<p class="error">${t(lang, 'Голос не принят: голосование по этому заседанию закрыто, список участников зафиксирован.', 'Your vote was not accepted: voting for this meeting has closed and the participants list is frozen.')}${input.deadline ? html` ${t(lang, 'Голоса принимались до', 'Votes were accepted until')} ${at(input.deadline)}.` : ''}</p>`,
      ];
      break;
    case 'ballot-not-stored': {
      const why: Record<BallotRefusal, [string, string]> = {
        'voting-closed': ['Голос не принят: голосование по этому заседанию закрыто, список участников зафиксирован.', 'Your vote was not accepted: voting for this meeting has closed and the participants list is frozen.'],
        'not-a-voter': ['Голос не принят: вы не включены в число голосующих на этом заседании. Обратитесь к секретарю рабочей группы.', 'Your vote was not accepted: you are not among the voters of this meeting. Please contact the secretary of the working group.'],
        conflict: ['Голос не принят: бюллетень в это же время изменялся в другом окне или на другом устройстве. Откройте ссылку ещё раз и проголосуйте снова.', 'Your vote was not accepted: the ballot was being changed at the same time in another window or on another device. Please open the link again and vote again.'],
        'too-large': ['Голос не принят: голоса по этому заседанию менялись слишком много раз. Обратитесь к секретарю рабочей группы.', 'Your vote was not accepted: the votes for this meeting were changed too many times. Please contact the secretary of the working group.'],
      };
      const [ru, en] = why[input.ballotRefusal ?? 'conflict'];
      title = t(lang, 'Бюллетень не сохранён', 'Your ballot was not saved');
      lines = [
        html`<p class="error">${t(lang, ru, en)}${input.deadline ? html` ${t(lang, 'Голоса принимались до', 'Votes were accepted until')} ${at(input.deadline)}.` : ''}</p>`,
        html`<p><strong>${t(lang, 'Ничего не сохранено', 'Nothing was saved')}</strong>: ${t(lang, 'ни один голос из этого бюллетеня не записан; голоса, записанные раньше, остались без изменений.', 'no vote from this ballot was recorded; votes recorded earlier are unchanged.')}</p>`,
      ];
      break;
    }
    case 'bad-request':
      title = t(lang, 'Некорректный запрос', 'Bad request');
      lines = [
        html`<p>${t(lang, 'Запрос не распознан, ничего не изменено. Откройте ссылку из письма ещё раз.', 'The request was not understood; nothing was changed. Please open the link from the e-mail again.')}</p>`,
      ];
      break;
  }
  const body = html`${lines}${input.facts && reason !== 'unknown' ? factsTable(input.facts) : ''}`;
  return {
    status: ERROR_STATUS[reason],
    html: renderPage({ lang, title, groupName: reason === 'unknown' ? undefined : input.facts?.groupName, body }),
  };
}
