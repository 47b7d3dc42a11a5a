import type { Member } from '../../functions/domain/types.ts';
import type { Harness, Mail } from './harness.ts';

/** A working group for the scenarios; the ids are the mailbox names. */
export function roster(extra = 3): Member[] {
  const base: Member[] = [
    { id: 'chair', name: 'Иванов Иван Иванович', email: 'chair@example.org', role: 'chair', lang: 'ru' },
    { id: 'deputy', name: 'Петрова Анна Сергеевна', email: 'deputy@example.org', role: 'deputy', lang: 'ru' },
    { id: 'secretary', name: 'Сидорова Мария Олеговна', email: 'secretary@example.org', role: 'secretary', lang: 'ru' },
  ];
  const names = ['Кузнецов Олег', 'Смирнова Елена', 'Васильев Дмитрий', 'Новикова Ольга', 'Морозов Павел', 'Волкова Ирина', 'Зайцев Артём', 'Соколова Вера', 'Попов Илья', 'Лебедева Нина', 'Козлов Глеб', 'Орлова Дарья', 'Яковлев Пётр'];
  for (let i = 1; i <= extra; i++) base.push({ id: `m${i}`, name: names[i - 1] ?? `Член ${i}`, email: `m${i}@example.org`, role: 'member', lang: 'ru' });
  return base;
}

export const CHAIR = { email: 'chair@example.org', groups: ['chair'] };
export const SECRETARY = { email: 'secretary@example.org', groups: ['secretary'] };
export const DEPUTY = { email: 'deputy@example.org', groups: ['deputy'] };

export async function createGroup(h: Harness, members: Member[]): Promise<string> {
  const res = await h.admin('POST', '/admin/groups', {
    bodyName: 'Администрация муниципального образования «Городской округ город Астрахань»',
    name: 'Рабочая группа по внедрению клиентоцентричности',
    members,
  }, SECRETARY);
  if (res.status !== 201) throw new Error(`createGroup: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.group?.id ?? res.body.id) as string;
}

export async function convene(h: Harness, groupId: string, body: Record<string, unknown>): Promise<string> {
  const res = await h.admin('POST', `/admin/groups/${groupId}/meetings`, body, CHAIR);
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

export async function meeting(h: Harness, id: string): Promise<any> {
  const res = await h.admin('GET', `/admin/meetings/${id}`, undefined, SECRETARY);
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
