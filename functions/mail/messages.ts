/**
 * Every e-mail Kvorum sends, as pure functions: input (plain data) → { subject, text, html, attachments }.
 * Russian by default, English when the recipient's `lang` is 'en' (SPEC «Language and time»).
 * Every time is shown with its zone via formatInstant; every free text (titles, names, agenda items,
 * opinions) is escaped in the HTML version by the layout (SPEC «Bad input»).
 * Callers choose the recipients (e.g. reminders only to those who still must act, SPEC «Each deadline…»).
 */
import type { Choice, Instant, Lang } from '../domain/types.ts';
import { formatDate, formatInstant } from '../lib/format.ts';
import { buildIcs, type IcsMethod } from './ics.ts';
import { renderHtml, renderText, type Block, type Layout } from './layout.ts';
import type {
  AgendaItemView,
  MailAttachment,
  MailMessage,
  MailRecipient,
  Material,
  MeetingInfo,
  Organizer,
} from './types.ts';

export type { AgendaItemView, MailAttachment, MailMessage, MailRecipient, Material, MeetingInfo, Organizer } from './types.ts';

interface Base {
  recipient: MailRecipient;
  meeting: MeetingInfo;
}

const langOf = (r: MailRecipient): Lang => (r.lang === 'en' ? 'en' : 'ru');
const tr = (lang: Lang, ru: string, en: string): string => (lang === 'en' ? en : ru);
const when = (at: Instant, m: MeetingInfo, lang: Lang): string => formatInstant(at, m.timeZone, lang);

function meetingFacts(m: MeetingInfo, lang: Lang, extra: Array<[string, string]> = []): Block {
  const rows: Array<[string, string]> = [
    [tr(lang, 'Заседание', 'Meeting'), m.title],
    [tr(lang, 'Рабочая группа', 'Working group'), m.groupName],
    [tr(lang, 'Дата и время', 'Date and time'), when(m.startsAt, m, lang)],
  ];
  if (m.place) rows.push([tr(lang, 'Место', 'Place'), m.place]);
  return { kind: 'facts', rows: [...rows, ...extra] };
}

function agendaBlock(agenda: AgendaItemView[], lang: Lang): Block {
  if (agenda.length === 0) return { kind: 'p', text: tr(lang, 'Повестка пока пуста.', 'The agenda is empty so far.') };
  return {
    kind: 'list',
    ordered: true,
    items: agenda.map((item) => ({
      text: item.title,
      detail:
        item.speakers && item.speakers.length > 0
          ? `${tr(lang, 'Докладчик(и)', 'Speaker(s)')}: ${item.speakers.join(', ')}`
          : undefined,
    })),
  };
}

function compose(
  recipient: MailRecipient,
  meeting: MeetingInfo,
  subject: string,
  blocks: Block[],
  options: { personalLinks?: boolean; attachments?: MailAttachment[] } = {},
): MailMessage {
  const lang = langOf(recipient);
  const layout: Layout = {
    lang,
    subject,
    greetingName: recipient.name,
    blocks,
    signature: tr(
      lang,
      `Kvorum — секретариат рабочей группы «${meeting.groupName}». Письмо отправлено автоматически.`,
      `Kvorum — secretariat of the working group "${meeting.groupName}". This e-mail was sent automatically.`,
    ),
    personalLinks: options.personalLinks ?? false,
  };
  const message: MailMessage = { subject, text: renderText(layout), html: renderHtml(layout) };
  if (options.attachments && options.attachments.length > 0) message.attachments = options.attachments;
  return message;
}

function quoted(lang: Lang, title: string): string {
  return lang === 'en' ? `"${title}"` : `«${title}»`;
}

// ---------------------------------------------------------------- calendar

const DEFAULT_DURATION_MS = 2 * 60 * 60 * 1000;

function endOf(m: MeetingInfo): Instant {
  return m.endsAt ?? new Date(new Date(m.startsAt).getTime() + DEFAULT_DURATION_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function calendarAttachment(
  method: IcsMethod,
  input: { meeting: MeetingInfo; recipient: MailRecipient; organizer: Organizer; issuedAt: Instant; agenda?: AgendaItemView[] },
): MailAttachment {
  const { meeting, recipient } = input;
  const lang = langOf(recipient);
  const description = [
    `${tr(lang, 'Рабочая группа', 'Working group')}: ${meeting.groupName}`,
    ...(input.agenda && input.agenda.length > 0
      ? [tr(lang, 'Повестка:', 'Agenda:'), ...input.agenda.map((item, i) => `${i + 1}. ${item.title}`)]
      : []),
  ].join('\n');
  const ics = buildIcs({
    method,
    meetingUid: meeting.id,
    sequence: meeting.revision,
    stamp: input.issuedAt,
    start: meeting.startsAt,
    end: endOf(meeting),
    timeZone: meeting.timeZone,
    summary: meeting.title,
    description,
    location: meeting.place,
    organizer: input.organizer,
    attendee: recipient.email ? { name: recipient.name, email: recipient.email } : undefined,
  });
  return {
    filename: method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
    contentType: `text/calendar; charset=UTF-8; method=${method}`,
    content: ics,
  };
}

// ---------------------------------------------------------------- 1. call for agenda proposals

export interface ProposalsCallInput extends Base {
  proposeUrl: string;
  /** п. 2.5д, 2.6г */
  proposalsClose: Instant;
  /** The first agenda the chair gave when convening, if any. */
  agenda?: AgendaItemView[];
}

/** п. 2.5д, 2.6г: members may propose agenda items and invitations until the proposals deadline. */
export function proposalsCall(input: ProposalsCallInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Созывается заседание рабочей группы. Вы можете предложить вопросы в повестку и приглашённых до ${when(input.proposalsClose, m, lang)}.`,
        `A meeting of the working group is being convened. You may propose agenda items and invitees until ${when(input.proposalsClose, m, lang)}.`,
      ),
    },
    meetingFacts(m, lang),
  ];
  if (input.agenda && input.agenda.length > 0) {
    blocks.push({ kind: 'heading', text: tr(lang, 'Предварительная повестка', 'Draft agenda') }, agendaBlock(input.agenda, lang));
  }
  blocks.push({ kind: 'link', label: tr(lang, 'Предложить вопрос в повестку', 'Propose an agenda item'), url: input.proposeUrl });
  return compose(recipient, m, tr(lang, `Предложения в повестку: ${m.title}`, `Agenda proposals: ${m.title}`), blocks, {
    personalLinks: true,
  });
}

// ---------------------------------------------------------------- 2. agenda for approval

export interface AgendaForApprovalInput extends Base {
  agenda: AgendaItemView[];
  approveUrl: string;
  /** п. 2.3в */
  approvalDeadline: Instant;
}

/** п. 2.3в, 2.5в: the secretary submits the formed agenda; the chair approves it by the deadline. */
export function agendaForApproval(input: AgendaForApprovalInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Секретарь сформировал повестку заседания. Прошу утвердить её до ${when(input.approvalDeadline, m, lang)}; если повестка не будет утверждена в срок, заседание будет отменено или перенесено.`,
        `The secretary has formed the agenda. Please approve it by ${when(input.approvalDeadline, m, lang)}; if it is not approved in time, the meeting is cancelled or moved.`,
      ),
    },
    meetingFacts(m, lang),
    { kind: 'heading', text: tr(lang, 'Повестка', 'Agenda') },
    agendaBlock(input.agenda, lang),
    { kind: 'link', label: tr(lang, 'Открыть повестку для утверждения', 'Open the agenda to approve it'), url: input.approveUrl },
  ];
  return compose(recipient, m, tr(lang, `Повестка на утверждение: ${m.title}`, `Agenda for approval: ${m.title}`), blocks, {
    personalLinks: true,
  });
}

// ---------------------------------------------------------------- 3. meeting notice

export interface MeetingNoticeInput extends Base {
  agenda: AgendaItemView[];
  materials?: Material[];
  /** Only the deadlines that concern this recipient. */
  deadlines?: { opinions?: Instant; voteCloses?: Instant };
  /** Members get both; invitees (п. 2.3б) get none. */
  links?: { attend: string; absent: string };
  organizer: Organizer;
  /** When this notice was produced (the calendar DTSTAMP). */
  issuedAt: Instant;
}

/** п. 2.5г: date, time, place, approved agenda, materials, calendar invitation, personal links. */
export function meetingNotice(input: MeetingNoticeInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Сообщаем о заседании рабочей группы ${quoted(lang, m.groupName)}. Повестка утверждена председателем.`,
        `You are notified of a meeting of the working group ${quoted(lang, m.groupName)}. The chair has approved the agenda.`,
      ),
    },
    meetingFacts(m, lang),
    { kind: 'heading', text: tr(lang, 'Повестка', 'Agenda') },
    agendaBlock(input.agenda, lang),
  ];
  const attachments: MailAttachment[] = [];
  const materials = input.materials ?? [];
  if (materials.length > 0) {
    blocks.push({ kind: 'heading', text: tr(lang, 'Материалы', 'Materials') });
    blocks.push({
      kind: 'list',
      ordered: false,
      items: materials.map((mat) =>
        'url' in mat
          ? { text: mat.title, detail: mat.url }
          : { text: mat.title, detail: `${tr(lang, 'во вложении', 'attached')}: ${mat.attachment.filename}` },
      ),
    });
    for (const mat of materials) if ('attachment' in mat) attachments.push(mat.attachment);
  }
  const deadlineRows: Array<[string, string]> = [];
  if (input.deadlines?.opinions) {
    deadlineRows.push([
      tr(lang, 'Письменное мнение, если не сможете участвовать, — до', 'Written opinion, if you cannot take part, by'),
      when(input.deadlines.opinions, m, lang),
    ]);
  }
  if (input.deadlines?.voteCloses) {
    deadlineRows.push([
      tr(lang, 'Голосование', 'Voting'),
      tr(
        lang,
        `с ${when(m.startsAt, m, lang)} до ${when(input.deadlines.voteCloses, m, lang)}`,
        `from ${when(m.startsAt, m, lang)} until ${when(input.deadlines.voteCloses, m, lang)}`,
      ),
    ]);
  }
  if (deadlineRows.length > 0) {
    blocks.push({ kind: 'heading', text: tr(lang, 'Сроки', 'Deadlines') }, { kind: 'facts', rows: deadlineRows });
  }
  if (input.links) {
    blocks.push(
      { kind: 'link', label: tr(lang, 'Я буду участвовать', 'I will take part'), url: input.links.attend },
      {
        kind: 'link',
        label: tr(lang, 'Я буду отсутствовать — направить письменное мнение', 'I will be absent — send a written opinion'),
        url: input.links.absent,
      },
    );
  }
  blocks.push({
    kind: 'note',
    text: tr(lang, 'Приглашение в календарь — во вложении (invite.ics).', 'A calendar invitation is attached (invite.ics).'),
  });
  attachments.push(calendarAttachment('REQUEST', { ...input, agenda: input.agenda }));
  const subject = tr(
    lang,
    `Заседание ${formatDate(m.startsAt, m.timeZone, lang)}: ${m.title}`,
    `Meeting on ${formatDate(m.startsAt, m.timeZone, lang)}: ${m.title}`,
  );
  return compose(recipient, m, subject, blocks, { personalLinks: Boolean(input.links), attachments });
}

// ---------------------------------------------------------------- 4. written-opinion receipt

export interface OpinionReceiptInput extends Base {
  receivedAt: Instant;
  /** п. 2.7: the opinion, per agenda item. */
  opinions: Array<{ itemTitle: string; text: string }>;
  /** Deadline until which the opinion may still be replaced, if allowed. */
  opinionsDeadline?: Instant;
}

/** п. 2.7: the absent member's written opinion was accepted in time and will be attached to the protocol. */
export function opinionReceipt(input: OpinionReceiptInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Ваше письменное мнение принято ${when(input.receivedAt, m, lang)}. Оно будет приложено к протоколу как его неотъемлемая часть.`,
        `Your written opinion was received at ${when(input.receivedAt, m, lang)}. It will be attached to the protocol as an integral part of it.`,
      ),
    },
    meetingFacts(m, lang),
  ];
  for (const opinion of input.opinions) {
    blocks.push({ kind: 'quote', label: opinion.itemTitle, text: opinion.text });
  }
  if (input.opinionsDeadline) {
    blocks.push({
      kind: 'note',
      text: tr(
        lang,
        `Письменные мнения принимаются до ${when(input.opinionsDeadline, m, lang)}.`,
        `Written opinions are accepted until ${when(input.opinionsDeadline, m, lang)}.`,
      ),
    });
  }
  return compose(recipient, m, tr(lang, `Письменное мнение принято: ${m.title}`, `Written opinion received: ${m.title}`), blocks);
}

// ---------------------------------------------------------------- 5. ballot link

export interface BallotLinkInput extends Base {
  ballotUrl: string;
  voteCloses: Instant;
  agenda: AgendaItemView[];
}

/** п. 2.6б, 3.2: open, named vote per item; a vote may be changed until voting closes. */
export function ballotLink(input: BallotLinkInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Заседание началось. Голосование открытое и поимённое: «за», «против» или «воздержался» по каждому вопросу. Голос можно изменить до ${when(input.voteCloses, m, lang)}; учитывается последний.`,
        `The meeting has started. Voting is open and named: for, against or abstain on each item. You may change your vote until ${when(input.voteCloses, m, lang)}; the last one counts.`,
      ),
    },
    meetingFacts(m, lang),
    { kind: 'heading', text: tr(lang, 'Вопросы', 'Items') },
    agendaBlock(input.agenda, lang),
    { kind: 'link', label: tr(lang, 'Открыть бюллетень', 'Open the ballot'), url: input.ballotUrl },
  ];
  return compose(recipient, m, tr(lang, `Голосование открыто: ${m.title}`, `Voting is open: ${m.title}`), blocks, {
    personalLinks: true,
  });
}

// ---------------------------------------------------------------- 6. vote receipt

export interface VoteReceiptInput extends Base {
  recordedAt: Instant;
  votes: Array<{ itemTitle: string; choice: Choice }>;
  voteCloses: Instant;
  /** The ballot link again, to change the vote. */
  ballotUrl?: string;
}

function choiceLabel(choice: Choice, lang: Lang): string {
  switch (choice) {
    case 'for':
      return tr(lang, 'за', 'for');
    case 'against':
      return tr(lang, 'против', 'against');
    case 'abstain':
      return tr(lang, 'воздержался', 'abstain');
  }
}

export function voteReceipt(input: VoteReceiptInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Ваш голос записан ${when(input.recordedAt, m, lang)}. До ${when(input.voteCloses, m, lang)} его можно изменить; учитывается последний.`,
        `Your vote was recorded at ${when(input.recordedAt, m, lang)}. You may change it until ${when(input.voteCloses, m, lang)}; the last one counts.`,
      ),
    },
    meetingFacts(m, lang),
    { kind: 'facts', rows: input.votes.map((v) => [v.itemTitle, choiceLabel(v.choice, lang)]) },
  ];
  if (input.ballotUrl) blocks.push({ kind: 'link', label: tr(lang, 'Изменить голос', 'Change my vote'), url: input.ballotUrl });
  return compose(recipient, m, tr(lang, `Ваш голос учтён: ${m.title}`, `Your vote is recorded: ${m.title}`), blocks, {
    personalLinks: Boolean(input.ballotUrl),
  });
}

// ---------------------------------------------------------------- 7. no quorum

export interface NoQuorumInput extends Base {
  participants: number;
  members: number;
  /** Smallest number of participants that makes a quorum (п. 3.3), as the domain computed it. */
  quorumNeeded: number;
}

/** п. 3.3: without a quorum no decision is taken; the protocol records it and members are told. */
export function noQuorum(input: NoQuorumInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        'Заседание не правомочно: кворума нет, решения по вопросам повестки не приняты. Это будет отражено в протоколе.',
        'The meeting had no quorum: no decisions were taken on the agenda. The protocol records this.',
      ),
    },
    meetingFacts(m, lang, [
      [tr(lang, 'Участвовали', 'Participants'), String(input.participants)],
      [tr(lang, 'Членов рабочей группы', 'Members of the group'), String(input.members)],
      [tr(lang, 'Нужно для кворума', 'Needed for a quorum'), String(input.quorumNeeded)],
    ]),
  ];
  return compose(recipient, m, tr(lang, `Нет кворума: ${m.title}`, `No quorum: ${m.title}`), blocks);
}

// ---------------------------------------------------------------- 8. protocol for signature

export interface ProtocolForSignatureInput extends Base {
  protocolNumber?: string;
  /** SHA-256 (hex) of the exact version to be signed. */
  sha256: string;
  signUrl: string;
  signaturesDeadline: Instant;
}

/** п. 2.5е, 3.4: read and sign the exact version; any edit after the first signature voids all signatures. */
export function protocolForSignature(input: ProtocolForSignatureInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const number = input.protocolNumber ? ` № ${input.protocolNumber}` : '';
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Протокол заседания${number} готов к подписанию. Пожалуйста, прочитайте и подпишите его до ${when(input.signaturesDeadline, m, lang)}.`,
        `The protocol${input.protocolNumber ? ` No. ${input.protocolNumber}` : ''} is ready for signature. Please read and sign it by ${when(input.signaturesDeadline, m, lang)}.`,
      ),
    },
    meetingFacts(m, lang),
    { kind: 'code', label: tr(lang, 'SHA-256 подписываемой версии', 'SHA-256 of the version to sign'), value: input.sha256 },
    {
      kind: 'note',
      text: tr(
        lang,
        'Любое изменение протокола после первой подписи аннулирует все подписи; тогда придёт новое письмо с новой контрольной суммой.',
        'Any edit after the first signature voids all signatures; you will then receive a new e-mail with a new checksum.',
      ),
    },
    { kind: 'link', label: tr(lang, 'Прочитать и подписать протокол', 'Read and sign the protocol'), url: input.signUrl },
  ];
  return compose(recipient, m, tr(lang, `Протокол на подпись: ${m.title}`, `Protocol for signature: ${m.title}`), blocks, {
    personalLinks: true,
  });
}

// ---------------------------------------------------------------- 9. reminders

export type ReminderKind = 'proposals' | 'approval' | 'opinions' | 'signatures';

export interface ReminderInput extends Base {
  kind: ReminderKind;
  deadline: Instant;
  actionUrl: string;
}

/** Reminders go only to people who still must act, once per deadline (the caller picks recipients). */
export function reminder(input: ReminderInput): MailMessage {
  const { meeting: m, recipient, kind } = input;
  const lang = langOf(recipient);
  const by = when(input.deadline, m, lang);
  const texts: Record<ReminderKind, { subject: [string, string]; body: [string, string]; link: [string, string] }> = {
    proposals: {
      subject: ['Напоминание: предложения в повестку', 'Reminder: agenda proposals'],
      body: [
        `Предложения в повестку и приглашённых принимаются до ${by}.`,
        `Agenda proposals and invitees are accepted until ${by}.`,
      ],
      link: ['Предложить вопрос', 'Propose an item'],
    },
    approval: {
      subject: ['Напоминание: утвердите повестку', 'Reminder: approve the agenda'],
      body: [
        `Повестка ещё не утверждена. Срок — ${by}; без утверждения заседание будет отменено или перенесено.`,
        `The agenda is not approved yet. The deadline is ${by}; without approval the meeting is cancelled or moved.`,
      ],
      link: ['Открыть повестку', 'Open the agenda'],
    },
    opinions: {
      subject: ['Напоминание: письменное мнение', 'Reminder: written opinion'],
      body: [
        `Вы сообщили, что не будете участвовать. Письменное мнение по вопросам повестки принимается до ${by}; позже оно не будет принято.`,
        `You said you will be absent. Your written opinion on the agenda is accepted until ${by}; later ones are refused.`,
      ],
      link: ['Направить письменное мнение', 'Send a written opinion'],
    },
    signatures: {
      subject: ['Напоминание: подпишите протокол', 'Reminder: sign the protocol'],
      body: [
        `Протокол ждёт вашей подписи до ${by}. После срока протокол будет оформлен с отметкой об отсутствующих подписях.`,
        `The protocol awaits your signature until ${by}. After that it is finalised with the missing signatures recorded.`,
      ],
      link: ['Подписать протокол', 'Sign the protocol'],
    },
  };
  const text = texts[kind];
  const blocks: Block[] = [
    { kind: 'p', text: tr(lang, ...text.body) },
    meetingFacts(m, lang),
    { kind: 'link', label: tr(lang, ...text.link), url: input.actionUrl },
  ];
  return compose(recipient, m, `${tr(lang, ...text.subject)}: ${m.title}`, blocks, { personalLinks: true });
}

// ---------------------------------------------------------------- 10. signed protocol

export interface SignedProtocolInput extends Base {
  protocolNumber: string;
  /** п. 3.4: the moment of finalisation is the signing date. */
  signedAt: Instant;
  /**
   * The protocol as PDF and as HTML (rendered and escaped by the protocol module), attached only when
   * given: documents above the group's threshold are not (the download link is always there).
   */
  pdf?: Buffer;
  protocolHtml?: string;
  /** The member's personal link to the signed protocol (PDF and HTML download). */
  downloadUrl: string;
  /** Until when that link works. */
  downloadUntil: Instant;
  sha256?: string;
  /** Names of those who did not sign by the deadline. */
  missingSignatures?: string[];
  /** Written opinions, dissenting opinions, materials — attached as integral parts. */
  appendices?: MailAttachment[];
  pdfFilename?: string;
}

/** п. 3.4: the signed protocol (HTML, the PDF when small enough, with its attachments) goes to every member. */
export function signedProtocol(input: SignedProtocolInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const base = tr(lang, `Протокол № ${input.protocolNumber}`, `Protocol No. ${input.protocolNumber}`);
  const fileBase = base.replace(/[\\/:*?"<>|]/g, '_');
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Направляем подписанный протокол заседания. Дата подписания: ${when(input.signedAt, m, lang)}.`,
        `Please find the signed protocol of the meeting. Signed at: ${when(input.signedAt, m, lang)}.`,
      ),
    },
    meetingFacts(m, lang),
  ];
  if (input.sha256) blocks.push({ kind: 'code', label: 'SHA-256', value: input.sha256 });
  if (input.missingSignatures && input.missingSignatures.length > 0) {
    blocks.push(
      { kind: 'p', text: tr(lang, 'Не подписали в срок:', 'Did not sign in time:') },
      { kind: 'list', ordered: false, items: input.missingSignatures.map((name) => ({ text: name })) },
    );
  }
  const attachments: MailAttachment[] = [
    ...(input.pdf ? [{ filename: input.pdfFilename ?? `${fileBase}.pdf`, contentType: 'application/pdf', content: input.pdf }] : []),
    ...(input.protocolHtml !== undefined ? [{ filename: `${fileBase}.html`, contentType: 'text/html; charset=UTF-8', content: input.protocolHtml }] : []),
    ...(input.appendices ?? []),
  ];
  const until = when(input.downloadUntil, m, lang);
  blocks.push(
    {
      kind: 'p',
      text: input.pdf && input.protocolHtml !== undefined
        ? tr(lang, `Протокол (PDF и HTML) можно также скачать по персональной ссылке до ${until}:`, `The protocol (PDF and HTML) can also be downloaded from your personal link until ${until}:`)
        : tr(
            lang,
            `Файлы протокола слишком велики для письма и не вложены: скачайте PDF и HTML по персональной ссылке до ${until}:`,
            `The protocol's files are too large for e-mail and are not attached: download the PDF and the HTML from your personal link until ${until}:`,
          ),
    },
    { kind: 'link', label: tr(lang, 'Скачать подписанный протокол', 'Download the signed protocol'), url: input.downloadUrl },
  );
  if (attachments.length > 0) {
    const files = attachments.map((a) => a.filename).join(', ');
    blocks.push({ kind: 'note', text: tr(lang, `Во вложении: ${files}.`, `Attached: ${files}.`) });
  }
  return compose(recipient, m, `${base}: ${m.title}`, blocks, { attachments, personalLinks: true });
}

// ---------------------------------------------------------------- 11. cancelled / 12. moved

export interface MeetingCancelledInput extends Base {
  reason?: string;
  organizer: Organizer;
  issuedAt: Instant;
}

/** п. 2.3в: agenda not approved in time (or the chair's decision) — everyone is told; the calendar entry is cancelled. */
export function meetingCancelled(input: MeetingCancelledInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const blocks: Block[] = [
    { kind: 'p', text: tr(lang, 'Заседание отменено.', 'The meeting is cancelled.') },
    meetingFacts(m, lang),
  ];
  if (input.reason) blocks.push({ kind: 'quote', label: tr(lang, 'Причина', 'Reason'), text: input.reason });
  blocks.push({
    kind: 'note',
    text: tr(lang, 'Во вложении — отмена события календаря (cancel.ics).', 'The calendar cancellation is attached (cancel.ics).'),
  });
  return compose(recipient, m, tr(lang, `Заседание отменено: ${m.title}`, `Meeting cancelled: ${m.title}`), blocks, {
    attachments: [calendarAttachment('CANCEL', input)],
  });
}

export interface MeetingMovedInput extends Base {
  /** The meeting as it was: only the start (and its zone, if it changed) is shown. */
  previousStartsAt: Instant;
  previousTimeZone?: string;
  reason?: string;
  agenda?: AgendaItemView[];
  organizer: Organizer;
  issuedAt: Instant;
}

/** The meeting moved: new date, old date, and an updated calendar entry (same UID, higher SEQUENCE). */
export function meetingMoved(input: MeetingMovedInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const previous = formatInstant(input.previousStartsAt, input.previousTimeZone ?? m.timeZone, lang);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Заседание перенесено: было ${previous}, теперь ${when(m.startsAt, m, lang)}.`,
        `The meeting has moved: it was ${previous}, it is now ${when(m.startsAt, m, lang)}.`,
      ),
    },
    meetingFacts(m, lang, [[tr(lang, 'Прежние дата и время', 'Previous date and time'), previous]]),
  ];
  if (input.reason) blocks.push({ kind: 'quote', label: tr(lang, 'Причина', 'Reason'), text: input.reason });
  if (input.agenda && input.agenda.length > 0) {
    blocks.push({ kind: 'heading', text: tr(lang, 'Повестка', 'Agenda') }, agendaBlock(input.agenda, lang));
  }
  blocks.push({
    kind: 'note',
    text: tr(lang, 'Обновлённое приглашение в календарь — во вложении.', 'The updated calendar invitation is attached.'),
  });
  return compose(recipient, m, tr(lang, `Заседание перенесено: ${m.title}`, `Meeting moved: ${m.title}`), blocks, {
    attachments: [calendarAttachment('REQUEST', input)],
  });
}

// ---------------------------------------------------------------- 13. step failed

export interface StepFailedInput extends Base {
  /** The step in words, in both languages (functions/app/steps/step-deadlines.ts STEP_WORDS). */
  step: { ru: string; en: string };
  /** What happened: an outage that outlasted the step's deadline, a missed distribution deadline, or an error. */
  kind: 'outage' | 'distribution-deadline' | 'error';
  /** The technical detail (for whoever investigates). */
  error: string;
  failedAt: Instant;
  /** Where to resume the meeting once the cause is fixed (admin API). */
  resumeUrl?: string;
}

/**
 * To the secretary, once per failure: which step, what happened, what to do. A failed step leaves the
 * meeting resumable: nothing done so far is lost and nothing is sent twice.
 */
export function stepFailed(input: StepFailedInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const step = input.step[lang];
  const happened: Record<StepFailedInput['kind'], [string, string]> = {
    outage: [
      'Почтовый сервис или база данных были недоступны, и шаг не удалось завершить до его срока, хотя система повторяла попытки.',
      'The mail service or the database was unavailable, and the step could not be completed by its deadline although the system kept retrying.',
    ],
    'distribution-deadline': [
      'Подписанный протокол не удалось разослать всем членам рабочей группы до срока (п. 3.4, 5 рабочих дней).',
      'The signed minutes could not be sent to every member by the deadline (cl. 3.4, 5 working days).',
    ],
    error: ['Шаг завершился ошибкой, которую повтор не исправил.', 'The step ended with an error that retrying did not fix.'],
  };
  const blocks: Block[] = [
    { kind: 'p', text: tr(lang, `Шаг ${quoted(lang, step)} не выполнен (${when(input.failedAt, m, lang)}).`, `The step ${quoted(lang, step)} failed (${when(input.failedAt, m, lang)}).`) },
    meetingFacts(m, lang),
    { kind: 'p', text: tr(lang, ...happened[input.kind]) },
    {
      kind: 'p',
      text: tr(
        lang,
        'Что сделать: устраните причину (или дождитесь восстановления сервиса) и возобновите заседание — оно продолжится с этого шага; уже отправленные письма повторно не уходят.',
        'What to do: fix the cause (or wait until the service is back) and resume the meeting — it continues from this step; e-mails already sent are not sent again.',
      ),
    },
    { kind: 'quote', label: tr(lang, 'Техническая информация', 'Technical detail'), text: input.error },
  ];
  if (input.resumeUrl) blocks.push({ kind: 'code', label: tr(lang, 'Возобновить (POST)', 'Resume (POST)'), value: input.resumeUrl });
  return compose(recipient, m, tr(lang, `Сбой: ${step} — ${m.title}`, `Failed: ${step} — ${m.title}`), blocks);
}

// ---------------------------------------------------------------- 13a. a deadline the calendar cannot count yet

export interface CalendarMissingInput extends Base {
  deadline: 'signatures' | 'distribution';
  missingYear: number;
}

/**
 * To the secretary and ops: a working-day deadline needs a year the production calendar does not
 * have yet (SPEC «Working days»: never a guess). Says what happens meanwhile and what to do.
 */
export function calendarMissing(input: CalendarMissingInput): MailMessage {
  const { meeting: m, recipient, missingYear: year } = input;
  const lang = langOf(recipient);
  const meanwhile =
    input.deadline === 'distribution'
      ? tr(
          lang,
          'Протокол рассылается членам рабочей группы как обычно, сразу; срок рассылки (п. 3.4, 5 рабочих дней) записан как «не рассчитан» до добавления календаря.',
          'The minutes are sent to the members at once as usual; the distribution deadline (п. 3.4, 5 working days) is recorded as "not computable" until the calendar is added.',
        )
      : tr(
          lang,
          'Ссылки на подписание протокола будут разосланы, как только срок подписания можно будет рассчитать; система проверяет это ежедневно.',
          'The signing links go out as soon as the signature deadline can be computed; the system checks daily.',
        );
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `В системе нет производственного календаря на ${year} год, поэтому срок ${input.deadline === 'distribution' ? 'рассылки протокола' : 'подписания протокола'} в рабочих днях не рассчитать.`,
        `The system has no production calendar for ${year}, so the ${input.deadline === 'distribution' ? 'distribution' : 'signature'} deadline in working days cannot be computed.`,
      ),
    },
    { kind: 'p', text: meanwhile },
    {
      kind: 'p',
      text: tr(
        lang,
        `Что сделать: попросите администратора системы добавить производственный календарь на ${year} год; после этого срок будет рассчитан автоматически.`,
        `What to do: ask the system administrator to add the production calendar for ${year}; the deadline is then computed automatically.`,
      ),
    },
    meetingFacts(m, lang),
  ];
  return compose(recipient, m, tr(lang, `Нет производственного календаря на ${year} год: ${m.title}`, `No production calendar for ${year}: ${m.title}`), blocks);
}

// ---------------------------------------------------------------- 14. a new personal link

export type LinkPurposeName = 'propose' | 'attendance' | 'ballot' | 'dissent' | 'sign' | 'approve' | 'protocol';

const LINK_PURPOSE_TEXT: Record<LinkPurposeName, [ru: string, en: string]> = {
  propose: ['предложить вопросы в повестку и приглашённых', 'propose agenda items and invitations'],
  attendance: ['сообщить об участии или отсутствии и направить письменное мнение', 'say whether you will take part and send a written opinion'],
  ballot: ['проголосовать по вопросам повестки', 'vote on the agenda items'],
  dissent: ['приложить к протоколу особое мнение', 'attach a dissenting opinion to the minutes'],
  sign: ['прочитать и подписать протокол', 'read and sign the minutes'],
  approve: ['утвердить повестку дня', 'approve the agenda'],
  protocol: ['скачать подписанный протокол', 'download the signed minutes'],
};

export interface LinkReissuedInput extends Base {
  purpose: LinkPurposeName;
  url: string;
  expiresAt: Instant;
}

/** The secretary revoked a personal link (e.g. it was forwarded) and issued a new one. */
export function linkReissued(input: LinkReissuedInput): MailMessage {
  const { meeting: m, recipient } = input;
  const lang = langOf(recipient);
  const [ru, en] = LINK_PURPOSE_TEXT[input.purpose];
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Секретарь отозвал вашу прежнюю персональную ссылку, она больше не действует. Новая ссылка — чтобы ${ru} — действует до ${when(input.expiresAt, m, lang)}.`,
        `The secretary revoked your previous personal link; it no longer works. The new link — to ${en} — works until ${when(input.expiresAt, m, lang)}.`,
      ),
    },
    meetingFacts(m, lang),
    { kind: 'link', label: tr(lang, 'Открыть новую ссылку', 'Open the new link'), url: input.url },
  ];
  return compose(recipient, m, tr(lang, `Новая персональная ссылка: ${m.title}`, `Your new personal link: ${m.title}`), blocks, { personalLinks: true });
}
