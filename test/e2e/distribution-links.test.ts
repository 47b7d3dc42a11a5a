import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type Mail } from './harness.ts';
import { approveByLink, attachedProtocol, convene, lastMail, sign, state, team, voteAll, type Team } from './fixtures.ts';

/**
 * Issue 9 §4: distribution sends each member a personal link to the signed protocol, and attaches the
 * PDF only below the group's threshold (`settings.attachPdfMaxBytes`, default 2 MB; 0: never). The link's
 * page offers the very documents that were distributed, as PDF and HTML; opening it changes nothing.
 */
describe('the signed protocol: a personal download link, the PDF attached only below the threshold', () => {
  let h: Harness;
  const attached = team('pdf-attached.test', 2);
  const linkOnly = team('pdf-link-only.test', 2);
  const ids: Record<string, string> = {};

  async function conveneFor(g: Team, settings: Record<string, unknown>, day: string): Promise<string> {
    const created = await h.admin('POST', '/admin/groups', { bodyName: 'Администрация', name: `Рабочая группа ${g.domain}`, settings, members: g.members }, g.secretary);
    expect(created.status).toBe(201);
    return convene(h, (created.body.group?.id ?? created.body.id) as string, { title: `Заседание ${g.domain}`, date: day, time: '10:00', agenda: [{ title: 'О плане' }] }, g.chair);
  }

  async function runToDistribution(g: Team, day: string, proposalsCloseDay: string): Promise<void> {
    await h.advanceTo(`${proposalsCloseDay}T19:59:59Z`);
    expect(await approveByLink(h, g.email('chair'))).toBe(200);
    await h.advanceTo(`${day}T06:00:00Z`);
    for (const m of g.members) expect(await voteAll(h, m.email, { 0: 'for' })).toBe(200);
    await h.advanceTo(`${day}T08:00:00Z`);
    for (const m of g.members) expect(await sign(h, m.email)).toBe(200);
  }

  const protocolMail = async (g: Team, who: string): Promise<Mail> => (await lastMail(h, g.email(who), /^Протокол №/))!;
  const downloadLink = (mail: Mail): string => {
    const links = mail.links.filter((l) => !l.includes('?'));
    expect(links).toHaveLength(1);
    return links[0]!;
  };

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    ids.attached = await conveneFor(attached, {}, '2026-03-12');
    ids.linkOnly = await conveneFor(linkOnly, { attachPdfMaxBytes: 0 }, '2026-03-16');
    await runToDistribution(attached, '2026-03-12', '2026-03-07');
    await runToDistribution(linkOnly, '2026-03-16', '2026-03-11');
  }, 180_000);
  afterAll(() => h?.stop());

  it('below the threshold: the PDF and the HTML are attached, and the e-mail carries the personal link too', async () => {
    const mail = await protocolMail(attached, 'm1');
    expect(mail.attachments.map((a) => a.contentType).sort()).toEqual(['application/pdf', 'text/html']);
    expect(mail.text).toContain('Протокол (PDF и HTML) можно также скачать по персональной ссылке до');
    const links = attached.members.map(async (m) => downloadLink(await protocolMail(attached, m.id)));
    expect(new Set(await Promise.all(links)).size).toBe(attached.members.length);
  });

  it('the link page offers the distributed documents themselves, byte for byte; a GET changes nothing', async () => {
    const mail = await protocolMail(attached, 'm2');
    const link = downloadLink(mail);
    const before = await state(h, ids.attached!, attached.secretary);
    const page = await h.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Подписанный протокол');
    expect(page.text).toContain(`${link}?format=pdf`);
    expect(page.text).not.toMatch(/<form/);
    const pdf = await fetch(`${link}?format=pdf`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).equals(mail.attachments.find((a) => a.contentType === 'application/pdf')!.content)).toBe(true);
    const htmlFile = await fetch(`${link}?format=html`);
    expect(await htmlFile.text()).toBe(attachedProtocol(mail));
    expect(await state(h, ids.attached!, attached.secretary)).toBe(before);
  });

  it('at the threshold 0: neither file in the e-mail, which says where to download them; the link serves both', async () => {
    const mail = await protocolMail(linkOnly, 'm1');
    expect(mail.attachments).toEqual([]);
    expect(mail.text).toContain('Файлы протокола слишком велики для письма и не вложены: скачайте PDF и HTML по персональной ссылке до');
    const pdf = await fetch(`${downloadLink(mail)}?format=pdf`);
    expect(pdf.status).toBe(200);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    const htmlFile = await fetch(`${downloadLink(mail)}?format=html`);
    expect(await htmlFile.text()).toContain('ПРОТОКОЛ');
  });

  it('a forged download link is refused', async () => {
    const link = downloadLink(await protocolMail(linkOnly, 'm2'));
    const at = link.length - 3;
    const forged = `${link.slice(0, at)}${link[at] === 'A' ? 'B' : 'A'}${link.slice(at + 1)}`;
    expect(forged).not.toBe(link);
    expect((await h.get(forged)).status).toBe(404);
  });
});
