/**
 * The secretary's daily digest (issue 11 §6): what happened in her group's meetings since the last
 * one — proposals that came in, protocols everyone signed, protocols distributed, addresses that
 * bounced. A pure function: input (plain data) → MailMessage, laid out by layout.ts (text escaped).
 */
import type { Instant, IsoDate, Lang } from '../domain/types.ts';
import { formatDate, formatInstant } from '../lib/format.ts';
import { renderHtml, renderText, type Block, type Layout } from './layout.ts';
import type { MailMessage, MailRecipient } from './types.ts';

export interface DigestMeeting {
  title: string;
  number: number | null;
  startsAt: Instant;
  /** Titles of the agenda proposals that came in (invitations are named by whom to invite). */
  proposals: string[];
  allSigned: boolean;
  distributed: boolean;
}

export interface DigestBounce {
  name: string;
  email: string;
  reason?: string;
  at: Instant;
}

export interface SecretaryDigestInput {
  recipient: MailRecipient;
  groupName: string;
  timeZone: string;
  /** The day the digest is for, in the group's zone. */
  day: IsoDate;
  meetings: DigestMeeting[];
  bounces: DigestBounce[];
  /** Where the secretary works (the admin API or app). */
  adminUrl: string;
}

const tr = (lang: Lang, ru: string, en: string): string => (lang === 'en' ? en : ru);

export function secretaryDigest(input: SecretaryDigestInput): MailMessage {
  const lang: Lang = input.recipient.lang === 'en' ? 'en' : 'ru';
  const date = formatDate(`${input.day}T12:00:00Z`, 'UTC', lang);
  const blocks: Block[] = [{ kind: 'p', text: tr(lang, `Что произошло в рабочей группе «${input.groupName}» за сутки (${date}).`, `What happened in the working group "${input.groupName}" over the day (${date}).`) }];
  for (const m of input.meetings) {
    const name = `${m.number !== null ? tr(lang, `№ ${m.number}`, `No. ${m.number}`) + ' — ' : ''}${m.title}, ${formatInstant(m.startsAt, input.timeZone, lang)}`;
    blocks.push({ kind: 'heading', text: name });
    const items: Array<{ text: string; detail?: string }> = [];
    if (m.proposals.length > 0) {
      items.push({ text: tr(lang, `Новые предложения в повестку: ${m.proposals.length}`, `New agenda proposals: ${m.proposals.length}`), detail: m.proposals.join('; ') });
    }
    if (m.allSigned) items.push({ text: tr(lang, 'Протокол подписали все участники.', 'Every participant has signed the minutes.') });
    if (m.distributed) items.push({ text: tr(lang, 'Подписанный протокол разослан членам рабочей группы.', 'The signed minutes were sent to the members.') });
    blocks.push({ kind: 'list', ordered: false, items });
  }
  if (input.bounces.length > 0) {
    blocks.push(
      { kind: 'heading', text: tr(lang, 'Письма не доставлены', 'E-mails not delivered') },
      { kind: 'list', ordered: false, items: input.bounces.map((b) => ({ text: `${b.name} <${b.email}>`, detail: [formatInstant(b.at, input.timeZone, lang), b.reason].filter(Boolean).join(' — ') })) },
      { kind: 'note', text: tr(lang, 'Проверьте адреса в составе рабочей группы: пока адрес помечен недоставляемым, письма на него не отправляются.', 'Check these addresses in the roster: while an address is marked failing, nothing is sent to it.') },
    );
  }
  blocks.push({ kind: 'link', label: tr(lang, 'Открыть Kvorum', 'Open Kvorum'), url: input.adminUrl });
  const subject = tr(lang, `Сводка за ${date}: ${input.groupName}`, `Digest for ${date}: ${input.groupName}`);
  const layout: Layout = {
    lang,
    subject,
    greetingName: input.recipient.name,
    blocks,
    signature: tr(lang, `Kvorum — секретариат рабочей группы «${input.groupName}». Ежедневная сводка, письмо отправлено автоматически.`, `Kvorum — secretariat of the working group "${input.groupName}". Daily digest; this e-mail was sent automatically.`),
    personalLinks: false,
  };
  return { subject, text: renderText(layout), html: renderHtml(layout) };
}
