/**
 * The protocol as an ordered list of plain-text blocks. Both renderers (HTML and PDF) draw exactly
 * these blocks, so the two formats carry the same content. Nothing here is HTML: every string is
 * people's or the system's text and is escaped by the HTML renderer.
 *
 * Requisites (SPEC «Protocol», ГОСТ Р 7.0.97 as municipal bodies use them): body and group name,
 * «ПРОТОКОЛ», date and number, place, title, presiding person and secretary with stand-ins
 * (п. 2.4, 2.5), membership, participants, absentees, quorum (п. 3.3), invitees (п. 2.3б), agenda,
 * СЛУШАЛИ / ВЫСТУПИЛИ / РЕШИЛИ with the п. 3.2 arithmetic, written opinions (п. 2.7), особые мнения
 * (п. 2.6ж), «Приложения», signatures (п. 2.6з, 3.4), signing date, distribution date (п. 3.4),
 * and the «Порядок подсчёта» note with the rules the system decided.
 */
import type { Lang } from '../domain/types.ts';
import { formatDate, formatInstant } from '../lib/format.ts';
import type { ProtocolModel, SignatureCapacity } from './model.ts';
import { hasQuorum } from './model.ts';
import { choiceWord, countsSentence, outcomeSentence, quorumSentence } from './words.ts';

export type Block =
  | { kind: 'header'; lines: string[] }
  | { kind: 'title'; text: string; sub: string[] }
  | { kind: 'fields'; rows: Array<[label: string, value: string]> }
  | { kind: 'heading'; text: string; id?: string }
  | { kind: 'subheading'; text: string }
  | { kind: 'para'; label?: string; text: string; tone?: 'note' | 'warning' }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'quote'; text: string }
  | { kind: 'signature'; capacity: string; name: string; status: string[]; signed: boolean };

/**
 * 'signable' is the version people sign and whose SHA-256 is recorded: it has no signature
 * evidence, no signing date and no distribution date. 'full' adds them (and the hash).
 */
export type ProtocolVariant = 'signable' | 'full';

export interface BuildOptions {
  variant: ProtocolVariant;
  /** 'full' only: SHA-256 of the signable version, printed and compared with each signature's hash. */
  signableSha256?: string;
}

interface Appendix {
  number: number;
  title: string;
  /** Text attached as the appendix body (opinions); materials have none. */
  author?: string;
  at?: string;
  text?: string;
  note?: string;
}

const capacityLabel: Record<Lang, Record<SignatureCapacity, string>> = {
  ru: {
    chair: 'Председательствующий, председатель рабочей группы',
    deputy: 'Председательствующий, заместитель председателя рабочей группы',
    secretary: 'Секретарь рабочей группы',
    'acting-secretary': 'Секретарь заседания (исполняющий обязанности, п. 2.5)',
    member: 'Член рабочей группы',
  },
  en: {
    chair: 'Presiding, chair of the working group',
    deputy: 'Presiding, deputy chair of the working group',
    secretary: 'Secretary of the working group',
    'acting-secretary': 'Acting secretary of the meeting (cl. 2.5)',
    member: 'Member of the working group',
  },
};

function person(p: { name: string; position?: string }): string {
  return p.position ? `${p.name} — ${p.position}` : p.name;
}

export function buildProtocolDocument(model: ProtocolModel, lang: Lang, options: BuildOptions): Block[] {
  const ru = lang === 'ru';
  const tz = model.timeZone;
  const at = (instant: string) => formatInstant(instant, tz, lang);
  const quorum = hasQuorum(model);
  const blocks: Block[] = [];

  // Appendices: materials, then the written opinions accepted in time (п. 2.7: an integral part),
  // then the dissenting opinions (п. 2.6ж). Numbered once so items can refer to them.
  const appendices: Appendix[] = [];
  const add = (a: Omit<Appendix, 'number'>) => {
    const entry = { ...a, number: appendices.length + 1 };
    appendices.push(entry);
    return entry.number;
  };
  for (const m of model.materials) add({ title: m.title, note: m.note });
  const opinionAppendix = new Map<string, number>();
  model.agenda.forEach((item, itemIndex) => {
    item.writtenOpinions.forEach((op, i) => {
      if (!op.inTime) return;
      const n = add({
        title: ru
          ? `Письменное мнение отсутствующего члена рабочей группы по вопросу № ${itemIndex + 1} (п. 2.7) — ${op.author}`
          : `Written opinion of an absent member on item ${itemIndex + 1} (cl. 2.7) — ${op.author}`,
        author: op.author,
        at: at(op.receivedAt),
        text: op.text,
      });
      opinionAppendix.set(`${item.itemId}#${i}`, n);
    });
  });
  const dissentAppendix = new Map<string, number>();
  for (const d of model.dissentingOpinions) {
    const itemIndex = d.itemId === undefined ? -1 : model.agenda.findIndex((it) => it.itemId === d.itemId);
    const about = itemIndex >= 0
      ? (ru ? ` по вопросу № ${itemIndex + 1}` : ` on item ${itemIndex + 1}`)
      : (ru ? ' по протоколу в целом' : ' on the protocol as a whole');
    dissentAppendix.set(
      d.id,
      add({
        title: ru ? `Особое мнение${about} (п. 2.6ж) — ${d.author}` : `Dissenting opinion${about} (cl. 2.6(g)) — ${d.author}`,
        author: d.author,
        at: at(d.submittedAt),
        text: d.text,
      }),
    );
  }
  const appendixRef = (n: number) => (ru ? `приложение № ${n}` : `appendix ${n}`);

  // Header and title.
  blocks.push({ kind: 'header', lines: [model.bodyName, model.groupName] });
  blocks.push({
    kind: 'title',
    text: ru ? 'ПРОТОКОЛ' : 'MINUTES',
    sub: [
      ru ? `заседания рабочей группы № ${model.number}` : `of the working group meeting No. ${model.number}`,
      model.title,
    ],
  });
  const fields: Array<[string, string]> = [
    [ru ? 'Дата и время' : 'Date and time', at(model.meetingStart)],
  ];
  if (model.place) fields.push([ru ? 'Место' : 'Place', model.place]);
  fields.push([ru ? 'Номер' : 'Number', `№ ${model.number}`]);
  blocks.push({ kind: 'fields', rows: fields });

  // Presiding person and secretary, with stand-ins named (п. 2.4, 2.5).
  const p = model.presiding;
  const presidingText = p.role === 'chair'
    ? (ru ? `председатель рабочей группы ${p.name}` : `${p.name}, chair of the working group`)
    : ru
      ? `заместитель председателя рабочей группы ${p.name} (председатель${p.absentChairName ? ` ${p.absentChairName}` : ''} отсутствует, п. 2.4)`
      : `${p.name}, deputy chair of the working group (the chair${p.absentChairName ? `, ${p.absentChairName},` : ''} is absent, cl. 2.4)`;
  const s = model.secretary;
  const secretaryText = !s.acting
    ? (ru ? `секретарь рабочей группы ${s.name}` : `${s.name}, secretary of the working group`)
    : ru
      ? `член рабочей группы ${s.name}, назначенный председательствующим исполнять обязанности секретаря (секретарь рабочей группы${s.absentSecretaryName ? ` ${s.absentSecretaryName}` : ''} отсутствует, п. 2.5)`
      : `${s.name}, a member appointed by the presiding person to act as secretary (the secretary${s.absentSecretaryName ? `, ${s.absentSecretaryName},` : ''} is absent, cl. 2.5)`;
  blocks.push({ kind: 'para', label: ru ? 'Председательствующий' : 'Presiding', text: presidingText });
  blocks.push({ kind: 'para', label: ru ? 'Секретарь' : 'Secretary', text: secretaryText });

  // Membership, participants, absentees, quorum (п. 2.2, 3.3).
  blocks.push({ kind: 'heading', text: ru ? 'Присутствовали' : 'Attendance' });
  blocks.push({
    kind: 'para',
    label: ru ? 'Состав рабочей группы' : 'Membership',
    text: ru ? `${model.membershipCount} чел.` : `${model.membershipCount} members`,
  });
  blocks.push({
    kind: 'para',
    label: ru
      ? `Участвуют члены рабочей группы (${model.participants.length}; список зафиксирован при закрытии голосования)`
      : `Members taking part (${model.participants.length}; list frozen when voting closed)`,
    text: '',
  });
  blocks.push({ kind: 'list', ordered: true, items: model.participants.map(person) });
  blocks.push({
    kind: 'para',
    label: ru ? `Отсутствуют (${model.absentees.length})` : `Absent (${model.absentees.length})`,
    text: model.absentees.length === 0 ? (ru ? 'нет' : 'none') : '',
  });
  if (model.absentees.length > 0) blocks.push({ kind: 'list', ordered: true, items: model.absentees.map(person) });
  blocks.push({
    kind: 'para',
    label: ru ? 'Кворум' : 'Quorum',
    text: quorumSentence(model.participants.length, model.membershipCount, lang),
    tone: quorum ? undefined : 'warning',
  });
  blocks.push({
    kind: 'para',
    label: ru ? 'Приглашённые (без права голоса, п. 2.3б)' : 'Invited (no vote, cl. 2.3(b))',
    text: model.invitees.length === 0 ? (ru ? 'нет' : 'none') : '',
  });
  if (model.invitees.length > 0) {
    blocks.push({
      kind: 'list',
      ordered: true,
      items: model.invitees.map((i) => [i.name, i.position, i.organisation].filter(Boolean).join(', ')),
    });
  }

  // Agenda.
  blocks.push({ kind: 'heading', text: ru ? 'Повестка дня' : 'Agenda' });
  blocks.push({ kind: 'list', ordered: true, items: model.agenda.map((i) => i.title) });

  // Items: СЛУШАЛИ / ВЫСТУПИЛИ / РЕШИЛИ.
  model.agenda.forEach((item, index) => {
    blocks.push({ kind: 'heading', text: ru ? `${index + 1}. ${item.title}` : `${index + 1}. ${item.title}` });
    const heard = [item.speakers.join(', '), item.heard ?? ''].filter((x) => x.length > 0).join(ru ? ' — ' : ' — ');
    blocks.push({ kind: 'para', label: ru ? 'СЛУШАЛИ' : 'HEARD', text: heard || (ru ? '—' : '—') });
    blocks.push({
      kind: 'para',
      label: ru ? 'ВЫСТУПИЛИ' : 'SPOKE',
      text: item.speeches.length === 0 ? (ru ? 'нет' : 'none') : '',
    });
    if (item.speeches.length > 0) {
      blocks.push({ kind: 'list', ordered: false, items: item.speeches.map((sp) => (sp.speaker ? `${sp.speaker}: ${sp.summary}` : sp.summary)) });
    }

    // п. 2.7: the absentees' written opinions, with whether they came in time.
    if (item.writtenOpinions.length > 0) {
      blocks.push({
        kind: 'subheading',
        text: ru ? 'Письменные мнения отсутствующих членов рабочей группы (п. 2.7)' : 'Written opinions of absent members (cl. 2.7)',
      });
      blocks.push({
        kind: 'list',
        ordered: false,
        items: item.writtenOpinions.map((op, i) => {
          const n = opinionAppendix.get(`${item.itemId}#${i}`);
          return op.inTime
            ? ru
              ? `${op.author}: поступило ${at(op.receivedAt)}, в срок; рассмотрено и приобщено к протоколу как его неотъемлемая часть (${appendixRef(n ?? 0)}).`
              : `${op.author}: received ${at(op.receivedAt)}, in time; considered and attached as an integral part of the minutes (${appendixRef(n ?? 0)}).`
            : ru
              ? `${op.author}: поступило ${at(op.receivedAt)}, после срока (${at(model.opinionsDeadline)}); не принято, к протоколу не приобщено.`
              : `${op.author}: received ${at(op.receivedAt)}, after the deadline (${at(model.opinionsDeadline)}); refused, not attached.`;
        }),
      });
    }

    // РЕШИЛИ with the п. 3.2 arithmetic.
    if (!quorum) {
      blocks.push({
        kind: 'para',
        label: ru ? 'РЕШИЛИ' : 'DECIDED',
        text: ru ? 'Решение не принималось: кворума нет (п. 3.3).' : 'No decision was taken: there is no quorum (cl. 3.3).',
        tone: 'warning',
      });
    } else if (item.tally === null) {
      blocks.push({ kind: 'para', label: ru ? 'Проект решения' : 'Draft decision', text: item.decision });
      blocks.push({ kind: 'para', label: ru ? 'РЕШИЛИ' : 'DECIDED', text: ru ? 'Голосование не проводилось; решение не принято.' : 'No vote was held; no decision was adopted.', tone: 'warning' });
    } else {
      const t = item.tally;
      blocks.push({ kind: 'para', label: ru ? 'РЕШИЛИ' : 'DECIDED', text: item.decision });
      blocks.push({ kind: 'para', label: ru ? 'Голосование' : 'Vote', text: countsSentence(t, lang) });
      blocks.push({
        kind: 'para',
        label: ru ? 'Итог' : 'Result',
        text: outcomeSentence(t, lang),
        tone: t.adopted ? undefined : 'warning',
      });
      if (item.votes && item.votes.length > 0) {
        blocks.push({ kind: 'list', ordered: false, items: item.votes.map((v) => `${v.name}: ${choiceWord(v.choice, lang)}`) });
      }
    }

    // п. 2.6ж: references to dissenting opinions on this item.
    const dissents = model.dissentingOpinions.filter((d) => d.itemId === item.itemId);
    if (dissents.length > 0) {
      blocks.push({
        kind: 'para',
        label: ru ? 'Особые мнения' : 'Dissenting opinions',
        text: dissents
          .map((d) => `${d.author} (${appendixRef(dissentAppendix.get(d.id) ?? 0)})`)
          .join('; '),
      });
    }
  });
  const general = model.dissentingOpinions.filter(
    (d) => d.itemId === undefined || !model.agenda.some((it) => it.itemId === d.itemId),
  );
  if (general.length > 0) {
    blocks.push({
      kind: 'para',
      label: ru ? 'Особые мнения по протоколу в целом' : 'Dissenting opinions on the minutes as a whole',
      text: general.map((d) => `${d.author} (${appendixRef(dissentAppendix.get(d.id) ?? 0)})`).join('; '),
    });
  }

  // «Порядок подсчёта»: the rules the system decided where the regulation is ambiguous (SPEC).
  blocks.push({ kind: 'heading', text: ru ? 'Порядок подсчёта' : 'How votes were counted' });
  blocks.push({
    kind: 'list',
    ordered: false,
    items: ru
      ? [
          'Решение принято, если «за» проголосовало более половины участвующих в заседании членов рабочей группы (п. 3.2).',
          'При равенстве голосов «за» и «против» решающим является голос председательствующего (председателя, а в его отсутствие — заместителя председателя, п. 2.4, 3.2); если председательствующий воздержался или не голосовал, решение не принято.',
          'Участвующий член рабочей группы, не проголосовавший по вопросу, учитывается как не проголосовавший «за».',
          'Кворум: участвуют не менее половины членов рабочей группы, т. е. участвующие × 2 ≥ число членов (п. 3.3). Участвующими считаются члены, подтвердившие участие, отмеченные секретарём как присутствующие или проголосовавшие; список фиксируется при закрытии голосования.',
          `Письменные мнения отсутствующих членов (п. 2.7) принимаются до конца дня, предшествующего дню заседания: до ${at(model.opinionsDeadline)}; поступившие позже не принимаются.`,
        ]
      : [
          'A decision is adopted when more than half of the members taking part in the meeting vote "for" (cl. 3.2).',
          'When "for" and "against" are equal, the presiding person\'s vote decides (the chair, or the deputy chair when the chair is absent, cl. 2.4, 3.2); if the presiding person abstained or did not vote, the decision is not adopted.',
          'A participating member who did not vote on an item counts as not voting "for".',
          'Quorum: at least half of the members take part, i.e. participants × 2 ≥ members (cl. 3.3). Participants are the members who confirmed taking part, were marked present by the secretary, or voted; the list is frozen when voting closes.',
          `Written opinions of absent members (cl. 2.7) are accepted until the end of the day before the meeting day: until ${at(model.opinionsDeadline)}; later ones are refused.`,
        ],
  });

  // «Приложения».
  blocks.push({ kind: 'heading', text: ru ? 'Приложения' : 'Appendices' });
  if (appendices.length === 0) {
    blocks.push({ kind: 'para', text: ru ? 'Нет.' : 'None.' });
  } else {
    blocks.push({
      kind: 'list',
      ordered: false,
      items: appendices.map((a) => `${ru ? 'Приложение №' : 'Appendix'} ${a.number}. ${a.title}${a.note ? ` (${a.note})` : ''}`),
    });
  }

  // Signatures (п. 2.6з, 3.4).
  blocks.push({ kind: 'heading', text: ru ? 'Подписи' : 'Signatures' });
  if (options.variant === 'full' && options.signableSha256) {
    blocks.push({
      kind: 'para',
      label: ru ? 'SHA-256 подписываемой версии протокола' : 'SHA-256 of the version signed',
      text: options.signableSha256,
    });
  }
  for (const sig of model.signatures) {
    const capacity = capacityLabel[lang][sig.capacity];
    if (options.variant === 'signable') {
      blocks.push({ kind: 'signature', capacity, name: sig.name, status: [], signed: false });
      continue;
    }
    const ev = sig.evidence;
    if (!ev) {
      blocks.push({ kind: 'signature', capacity, name: sig.name, status: [ru ? 'не подписано' : 'not signed'], signed: false });
      continue;
    }
    const status = ru
      ? [
          `Подписано простой электронной подписью по персональной ссылке: ${at(ev.signedAt)}`,
          `SHA-256 подписанного документа: ${ev.documentSha256}`,
          `Ссылка: ${ev.linkId}`,
        ]
      : [
          `Signed with a simple electronic signature via a personal link: ${at(ev.signedAt)}`,
          `SHA-256 of the document signed: ${ev.documentSha256}`,
          `Link: ${ev.linkId}`,
        ];
    if (options.signableSha256 && ev.documentSha256 !== options.signableSha256) {
      status.push(ru ? 'ВНИМАНИЕ: подпись относится к другой версии документа.' : 'WARNING: this signature is for another version of the document.');
    }
    blocks.push({ kind: 'signature', capacity, name: sig.name, status, signed: true });
  }
  if (options.variant === 'signable') {
    blocks.push({
      kind: 'para',
      tone: 'note',
      text: ru
        ? 'Сведения об электронных подписях, дата подписания и дата направления протокола членам рабочей группы вносятся после подписания и не входят в подписываемую версию.'
        : 'The electronic-signature evidence, the signing date and the date the minutes were sent to the members are added after signing and are not part of the version signed.',
    });
  } else {
    const dist = model.distribution;
    blocks.push({
      kind: 'fields',
      rows: [
        [
          ru ? 'Дата подписания' : 'Signing date',
          model.signedAt
            ? at(model.signedAt)
            : ru ? 'протокол ещё не подписан (идёт сбор подписей)' : 'not yet signed (signatures are being collected)',
        ],
        [
          ru ? 'Направлен членам рабочей группы (п. 3.4)' : 'Sent to the members (cl. 3.4)',
          dist.sentAt
            ? at(dist.sentAt)
            : dist.dueBy
              ? ru ? `будет направлен не позднее ${at(dist.dueBy)}` : `will be sent no later than ${at(dist.dueBy)}`
              : ru ? 'будет направлен не позднее 5 рабочих дней со дня подписания' : 'will be sent within 5 working days of the signing date',
        ],
      ],
    });
  }

  // Appendix bodies: the opinions' texts, attached as an integral part (п. 2.6ж, 2.7).
  for (const a of appendices) {
    if (a.text === undefined) continue;
    blocks.push({ kind: 'heading', text: `${ru ? 'Приложение №' : 'Appendix'} ${a.number}`, id: `appendix-${a.number}` });
    blocks.push({ kind: 'subheading', text: a.title });
    if (a.at) blocks.push({ kind: 'para', label: ru ? 'Поступило' : 'Received', text: a.at });
    blocks.push({ kind: 'quote', text: a.text });
  }

  return blocks;
}

/** A short, stable title for the document (HTML <title>, PDF metadata). */
export function protocolTitle(model: ProtocolModel, lang: Lang): string {
  const date = formatDate(model.meetingStart, model.timeZone, lang);
  return lang === 'ru'
    ? `Протокол № ${model.number} от ${date} — ${model.groupName}`
    : `Minutes No. ${model.number} of ${date} — ${model.groupName}`;
}
