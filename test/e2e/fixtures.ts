import type { Member } from '../../functions/domain/types.ts';
import type { Clock } from '../../functions/lib/clock.ts';
import type { Harness as ClockedHarness, Mail } from './harness.ts';

/** The fixtures work over any harness, whatever its clock. */
type Harness = ClockedHarness<Clock>;

/** Who calls the admin API: an e-mail (a member of the group) and the Cognito groups of the JWT. */
export interface Actor {
  email: string;
  groups: string[];
}

/** A working group for the scenarios; the ids are the mailbox names. */
export function roster(extra = 3, domain = 'example.org'): Member[] {
  const base: Member[] = [
    { id: 'chair', name: 'Иванов Иван Иванович', email: `chair@${domain}`, role: 'chair', lang: 'ru' },
    { id: 'deputy', name: 'Петрова Анна Сергеевна', email: `deputy@${domain}`, role: 'deputy', lang: 'ru' },
    { id: 'secretary', name: 'Сидорова Мария Олеговна', email: `secretary@${domain}`, role: 'secretary', lang: 'ru' },
  ];
  const names = ['Кузнецов Олег', 'Смирнова Елена', 'Васильев Дмитрий', 'Новикова Ольга', 'Морозов Павел', 'Волкова Ирина', 'Зайцев Артём', 'Соколова Вера', 'Попов Илья', 'Лебедева Нина', 'Козлов Глеб', 'Орлова Дарья', 'Яковлев Пётр'];
  for (let i = 1; i <= extra; i++) base.push({ id: `m${i}`, name: names[i - 1] ?? `Член ${i}`, email: `m${i}@${domain}`, role: 'member', lang: 'ru' });
  return base;
}

export const CHAIR = { email: 'chair@example.org', groups: ['chair'] };
export const SECRETARY = { email: 'secretary@example.org', groups: ['secretary'] };
export const DEPUTY = { email: 'deputy@example.org', groups: ['deputy'] };

/** The member names of roster(): id → name. */
export const NAMES: Record<string, string> = Object.fromEntries(roster(13).map((m) => [m.id, m.name]));

/**
 * One working group of the scenarios, with its own mail domain so that several groups (and their
 * meetings) can share one harness and one mailbox without mixing up e-mails.
 */
export interface Team {
  domain: string;
  members: Member[];
  /** Mailbox of a member id ('chair', 'm1', …). */
  email(id: string): string;
  chair: Actor;
  secretary: Actor;
  /** The deputy holds the Cognito 'chair' group: it acts as chair only while the chair is absent (п. 2.4). */
  deputy: Actor;
  /** A member acting in a role for one meeting (e.g. an acting secretary, п. 2.5). */
  as(id: string, groups: string[]): Actor;
}

export function team(domain: string, extra = 3): Team {
  const members = roster(extra, domain);
  const email = (id: string) => `${id}@${domain}`;
  return {
    domain,
    members,
    email,
    chair: { email: email('chair'), groups: ['chair'] },
    secretary: { email: email('secretary'), groups: ['secretary'] },
    deputy: { email: email('deputy'), groups: ['chair'] },
    as: (id, groups) => ({ email: email(id), groups }),
  };
}

export async function createGroup(h: Harness, members: Member[], as: Actor = SECRETARY): Promise<string> {
  const res = await h.admin('POST', '/admin/groups', {
    bodyName: 'Администрация муниципального образования «Городской округ город Астрахань»',
    name: 'Рабочая группа по внедрению клиентоцентричности',
    members,
  }, as);
  if (res.status !== 201) throw new Error(`createGroup: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.group?.id ?? res.body.id) as string;
}

export async function convene(h: Harness, groupId: string, body: Record<string, unknown>, as: Actor = CHAIR): Promise<string> {
  const res = await h.admin('POST', `/admin/groups/${groupId}/meetings`, body, as);
  if (res.status !== 201) throw new Error(`convene: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.meeting.id as string;
}

/** The newest e-mail to a person whose subject matches, and its personal link. */
export async function lastMail(h: Harness, email: string, subject: RegExp): Promise<Mail | undefined> {
  const mails = (await h.mailsTo(email)).filter((m) => subject.test(m.subject));
  return mails[mails.length - 1];
}

export async function linkFrom(h: Harness, email: string, subject: RegExp): Promise<string> {
  const mail = await lastMail(h, email, subject);
  const link = mail?.links[0];
  if (!link) throw new Error(`no link for ${email} in a mail matching ${subject}`);
  return link.split('?')[0]!;
}

export async function meeting(h: Harness, id: string, as: Actor = SECRETARY): Promise<any> {
  const res = await h.admin('GET', `/admin/meetings/${id}`, undefined, as);
  if (res.status !== 200) throw new Error(`meeting: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Signs the protocol from the person's latest signing e-mail, with the hash the page shows. */
export async function sign(h: Harness, email: string): Promise<number> {
  const link = await linkFrom(h, email, /подпис/i);
  const page = await h.get(link);
  const hash = /name="sha256" value="([0-9a-f]{64})"/.exec(page.text)?.[1];
  if (!hash) throw new Error(`no hash on the signing page of ${email}: ${page.status}`);
  return (await h.post(link, { sha256: hash })).status;
}

export async function voteAll(h: Harness, email: string, choices: Record<string, string>): Promise<number> {
  const link = await linkFrom(h, email, /голосован/i);
  const page = await h.get(link);
  const form: Record<string, string> = {};
  for (const [itemTitle, choice] of Object.entries(choices)) {
    // The ballot lists the items in order; field names are vote_<itemId>.
    const fields = [...page.text.matchAll(/name="(vote_[^"]+)"/g)].map((m) => m[1]!);
    const unique = [...new Set(fields)];
    const index = Number(itemTitle);
    const field = unique[index];
    if (!field) throw new Error(`no ballot field ${index} for ${email}`);
    form[field] = choice;
  }
  return (await h.post(link, form)).status;
}

/** Counts e-mails by (recipient, subject) to prove nothing was sent twice. */
export function duplicates(mails: Mail[]): string[] {
  const seen = new Map<string, number>();
  for (const m of mails) {
    const key = `${m.to.join(',')}|${m.subject}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

/** The whole stored state of a meeting (GET /admin/meetings/{id}, audit trail included): what a GET of a link must never change. */
export async function state(h: Harness, id: string, as: Actor = SECRETARY): Promise<string> {
  return JSON.stringify(await meeting(h, id, as));
}

/** GET /admin/meetings/{id}/protocol.html as text. */
export async function protocolHtml(h: Harness, id: string, as: Actor = SECRETARY): Promise<string> {
  const res = await h.admin('GET', `/admin/meetings/${id}/protocol.html`, undefined, as);
  if (res.status !== 200) throw new Error(`protocol.html: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as string;
}

/** The HTML file attached to a distributed protocol e-mail. */
export function attachedProtocol(mail: Mail): string {
  const file = mail.attachments.find((a) => a.filename?.endsWith('.html'));
  if (!file) throw new Error(`no HTML protocol attached to "${mail.subject}"`);
  return file.content.toString('utf8');
}

/** An HTML document as the words a reader sees: tags dropped, entities decoded, spaces collapsed. */
export function plain(htmlText: string): string {
  return htmlText
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:)])/g, '$1')
    .trim();
}

/** Subjects of everything a person received, in order. */
export async function subjects(h: Harness, email: string): Promise<string[]> {
  return (await h.mailsTo(email)).map((m) => m.subject);
}

/** When proposals have closed: the chair approves the agenda through the e-mailed link (GET, then POST). */
export async function approveByLink(h: Harness, chairEmail: string): Promise<number> {
  const link = await linkFrom(h, chairEmail, /утвержден/i);
  await h.get(link);
  return (await h.post(link, {})).status;
}

/** Answers the notice: "I will take part" or "I will be absent" (no opinion). */
export async function answer(h: Harness, email: string, attendance: 'present' | 'absent', opinions: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const link = await linkFrom(h, email, /^Заседание \d/);
  return h.post(link, { attendance, ...opinions });
}

/**
 * Convenes a meeting of the team and runs it into the signature phase: the chair approves the agenda
 * through the link when proposals close (end of `proposalsClose`, UTC), everyone in `voters` votes
 * «за» on the first item at the start, and the vote closes two hours later (the default duration).
 */
export async function runToSigning(
  h: Harness,
  g: Team,
  meetingDay: { date: string; proposalsClose: string; title?: string; agenda?: Array<Record<string, unknown>>; voters?: string[] },
): Promise<{ groupId: string; id: string }> {
  const groupId = await createGroup(h, g.members, g.secretary);
  const id = await convene(h, groupId, { title: meetingDay.title ?? 'О плане мероприятий', date: meetingDay.date, time: '10:00', agenda: meetingDay.agenda ?? [{ title: 'О плане' }] }, g.chair);
  await h.advanceTo(`${meetingDay.proposalsClose}T19:59:59Z`);
  if ((await approveByLink(h, g.email('chair'))) !== 200) throw new Error('the chair could not approve the agenda');
  await h.advanceTo(`${meetingDay.date}T06:00:00Z`);
  for (const who of meetingDay.voters ?? g.members.map((m) => m.id)) {
    if ((await voteAll(h, g.email(who), { 0: 'for' })) !== 200) throw new Error(`${who} could not vote`);
  }
  await h.advanceTo(`${meetingDay.date}T08:00:00Z`);
  return { groupId, id };
}
