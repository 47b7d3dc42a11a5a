import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { NAMES, answer, approveByLink, attachedProtocol, convene, createGroup, lastMail, linkFrom, meeting, plain, protocolHtml, sign, state, team, voteAll } from './fixtures.ts';

/**
 * SPEC «Links in e-mails» and «Bad input»: a GET never changes anything; links are personal, scoped
 * to one purpose and unguessable; late actions are refused with a clear page and change nothing;
 * what people type is shown escaped on pages and in e-mails; a participant's особое мнение (п. 2.6ж)
 * is referenced in the protocol and attached to it.
 */
describe('links, late actions, escaping and a dissenting opinion', () => {
  let h: Harness;
  const g = team('links.example.org', 3);
  const title = 'О режиме работы МФЦ';
  const proposalText = 'О <img src=x onerror=alert(1)> графике';
  const opinionText = 'Против, потому что <script>alert("opinion")</script>';
  const dissentText = 'Не согласен: <script>alert("dissent")</script> & точка';
  let id: string;

  /** Every distinct link in every e-mail so far, with its query string (e.g. ?answer=attend). */
  const allLinks = async () => [...new Set((await h.mails()).flatMap((m) => m.links))];

  /** GETs every link and checks that the stored meeting did not change at all (audit trail included). */
  const getEverythingAndCompare = async () => {
    const before = await state(h, id, g.secretary);
    const links = await allLinks();
    expect(links.length).toBeGreaterThan(10);
    for (const link of links) {
      const page = await h.get(link);
      expect([200, 409, 410], link).toContain(page.status);
      if (!link.includes('format=pdf')) expect(page.text, link).not.toMatch(/<form[^>]*onload|\.submit\(\)/);
    }
    expect(await state(h, id, g.secretary)).toBe(before);
  };

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    const groupId = await createGroup(h, g.members, g.secretary);
    id = await convene(h, groupId, { title, date: '2026-03-12', time: '10:00', agenda: [{ title: 'О режиме работы', decision: 'Утвердить режим работы.' }] }, g.chair);
  }, 120_000);
  afterAll(() => h?.stop());

  it('refuses a forged link (one character of the MAC changed) with a 404 page that reveals nothing', async () => {
    const link = await linkFrom(h, g.email('m1'), /^Предложения в повестку/);
    const [prefix, token] = [link.slice(0, link.lastIndexOf('/') + 1), link.slice(link.lastIndexOf('/') + 1)];
    const [linkId, mac] = token.split('.') as [string, string];
    const flipped = mac.slice(0, 5) + (mac[5] === 'A' ? 'B' : 'A') + mac.slice(6);
    const before = await state(h, id, g.secretary);
    for (const forged of [`${prefix}${linkId}.${flipped}`, `${prefix}${linkId}.${mac.slice(0, 21)}`]) {
      const page = await h.get(forged);
      expect(page.status).toBe(404);
      expect(page.text).toContain('Ссылка не найдена');
      expect(page.text).not.toContain(title);
      expect(page.text).not.toContain('Рабочая группа по внедрению');
      expect(page.text).not.toContain(NAMES.m1);
      expect(page.text).not.toContain('method="post"');
      const posted = await h.post(forged, { kind: 'agenda-item', title: 'Подделка' });
      expect(posted.status).toBe(404);
    }
    expect(await state(h, id, g.secretary)).toBe(before);
  });

  it('shows a proposal with markup escaped on the page, to the chair, and in the notice', async () => {
    const link = await linkFrom(h, g.email('m1'), /^Предложения в повестку/);
    const posted = await h.post(link, { kind: 'agenda-item', title: proposalText, description: '', speaker: '' });
    expect(posted.status).toBe(200);
    expect(posted.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(posted.text).not.toContain('<img src=x');
    const proposal = (await meeting(h, id, g.secretary)).proposals[0];
    expect(proposal.text).toBe(proposalText);
    expect((await h.admin('POST', `/admin/meetings/${id}/proposals/${proposal.id}/decision`, { decision: 'accepted' }, g.secretary)).status).toBe(200);

    await h.advanceTo('2026-03-07T19:59:59Z');
    const approvePage = await h.get(await linkFrom(h, g.email('chair'), /^Повестка на утверждение/));
    expect(approvePage.text).toContain('О &lt;img src=x onerror=alert(1)&gt; графике');
    expect(approvePage.text).not.toContain('<img src=x');
    expect(await approveByLink(h, g.email('chair'))).toBe(200);

    const notice = (await lastMail(h, g.email('m2'), /^Заседание \d/))!;
    expect(notice.html).toContain('О &lt;img src=x onerror=alert(1)&gt; графике');
    expect(notice.html).not.toContain('<img src=x');
    expect(notice.text).toContain(proposalText);
  });

  it('does not let a link of one purpose act for another', async () => {
    const before = await state(h, id, g.secretary);
    const attendance = await linkFrom(h, g.email('m1'), /^Заседание \d/);
    const propose = await linkFrom(h, g.email('m1'), /^Предложения в повестку/);
    const approve = await linkFrom(h, g.email('chair'), /^Повестка на утверждение/);
    const itemId = (await meeting(h, id, g.secretary)).agenda[0].id as string;
    // A ballot posted to the attendance link; a signature posted to the attendance link.
    expect((await h.post(attendance, { [`vote_${itemId}`]: 'for' })).status).toBe(400);
    expect((await h.post(attendance, { sha256: 'a'.repeat(64) })).status).toBe(400);
    // The id of one link with the MAC of another (same member, other purpose) is a forgery.
    const [, attendanceMac] = attendance.slice(attendance.lastIndexOf('/') + 1).split('.');
    const proposeId = propose.slice(propose.lastIndexOf('/') + 1).split('.')[0];
    expect((await h.post(`${h.base}/l/${proposeId}.${attendanceMac}`, { attendance: 'absent' })).status).toBe(404);
    // The chair's used approval link cannot approve again.
    expect((await h.post(approve, {})).status).toBe(409);
    expect(await state(h, id, g.secretary)).toBe(before);
  });

  it('takes an absent member’s opinion, escaped in the page and the receipt', async () => {
    const link = await linkFrom(h, g.email('m3'), /^Заседание \d/);
    const form = await h.get(link);
    const field = /name="(opinion_[^"]+)"/.exec(form.text)![1]!;
    const res = await answer(h, g.email('m3'), 'absent', { [field]: opinionText });
    expect(res.status).toBe(200);
    expect(res.text).toContain('&lt;script&gt;alert(&quot;opinion&quot;)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>alert');
    const receipt = (await lastMail(h, g.email('m3'), /^Письменное мнение принято/))!;
    expect(receipt.html).toContain('&lt;script&gt;');
    expect(receipt.html).not.toContain('<script>alert');
  });

  it('changes nothing when every link of every e-mail is opened (mail scanners)', async () => {
    await getEverythingAndCompare();
  });

  it('refuses a vote after voting closed (409 page), and stores nothing', async () => {
    await h.advanceTo('2026-03-12T06:00:00Z');
    for (const who of ['chair', 'deputy', 'secretary', 'm2']) expect(await voteAll(h, g.email(who), { 0: 'for', 1: 'for' })).toBe(200);
    expect(await voteAll(h, g.email('m1'), { 0: 'against', 1: 'for' })).toBe(200);
    await h.advanceTo('2026-03-12T08:00:00Z');
    const before = await state(h, id, g.secretary);
    const ballot = await linkFrom(h, g.email('m1'), /^Голосование открыто/);
    const page = await h.get(ballot);
    expect(page.status).toBe(409);
    expect(page.text).toContain('Голосование закрыто');
    expect(page.text).not.toContain('method="post"');
    const itemIds = ((await meeting(h, id, g.secretary)).agenda as { id: string }[]).map((i) => i.id);
    const late = await h.post(ballot, { [`vote_${itemIds[0]}`]: 'for', [`vote_${itemIds[1]}`]: 'for' });
    expect(late.status).toBe(409);
    expect(late.text).toContain('Голос не принят: голосование по этому заседанию закрыто');
    expect(await state(h, id, g.secretary)).toBe(before);
    const m = await meeting(h, id, g.secretary);
    expect(m.tally.items[0]).toMatchObject({ for: 4, against: 1 });
    // Vote receipts are a group setting, off by default: the page is the confirmation.
    expect(await lastMail(h, g.email('m1'), /^Ваш голос учтён/)).toBeUndefined();
  });

  it('takes a participant’s dissenting opinion through the link on the signing page; it is escaped and referenced in the protocol', async () => {
    const signPage = await h.get(await linkFrom(h, g.email('m2'), /^Протокол на подпись/));
    const dissentLink = /href="([^"]+\/l\/[^"]+)"[^>]*>Приложить к протоколу особое мнение/.exec(signPage.text)?.[1];
    expect(dissentLink).toBeDefined();
    // The absent m3 is no participant: no dissent offered there (no signing request either).
    expect(await lastMail(h, g.email('m3'), /^Протокол на подпись/)).toBeUndefined();
    const form = await h.get(dissentLink!);
    expect(form.status).toBe(200);
    expect(form.text).toContain('method="post"');
    // A signature posted to the dissent link is not a dissent: the form comes back, nothing stored.
    expect((await h.post(dissentLink!, { sha256: 'a'.repeat(64) })).status).toBe(422);
    expect((await meeting(h, id, g.secretary)).dissents).toEqual([]);

    const posted = await h.post(dissentLink!, { itemId: '', text: dissentText });
    expect(posted.status).toBe(200);
    expect(posted.text).toContain('&lt;script&gt;alert(&quot;dissent&quot;)&lt;/script&gt; &amp; точка');
    expect(posted.text).not.toContain('<script>alert');
    const m = await meeting(h, id, g.secretary);
    expect(m.dissents.map((d: any) => [d.memberId, d.text])).toEqual([['m2', dissentText]]);
    // The dissent is part of the protocol: a new version to sign.
    expect(m.protocol.version).toBe(2);

    const protocol = await protocolHtml(h, id, g.secretary);
    expect(protocol).toContain('&lt;script&gt;alert(&quot;dissent&quot;)&lt;/script&gt; &amp; точка');
    expect(protocol).not.toContain('<script>alert');
    const text = plain(protocol);
    expect(text).toMatch(new RegExp(`Особые мнения по протоколу в целом: ${NAMES.m2} \\(приложение № (\\d+)\\)`));
    expect(text).toContain(`Особое мнение по протоколу в целом (п. 2.6ж) — ${NAMES.m2}`);

    // A dissent on one agenda item is filed under that item.
    const m1Sign = await h.get(await linkFrom(h, g.email('m1'), /^Протокол на подпись/));
    const m1Dissent = /href="([^"]+\/l\/[^"]+)"[^>]*>Приложить к протоколу особое мнение/.exec(m1Sign.text)?.[1];
    const m1Form = await h.get(m1Dissent!);
    const firstItem = /<option value="([^"]+)"/g.exec(m1Form.text.replace('<option value=""', ''))?.[1];
    expect(firstItem).toBeDefined();
    expect((await h.post(m1Dissent!, { itemId: firstItem!, text: 'Против решения по первому вопросу' })).status).toBe(200);
    const withItem = plain(await protocolHtml(h, id, g.secretary));
    expect(withItem).toContain(`Особое мнение по вопросу № 1 (п. 2.6ж) — ${NAMES.m1}`);
  });

  it('changes nothing when every link is opened during signing, either', async () => {
    await getEverythingAndCompare();
  });

  it('distributes a protocol that carries the opinion and the dissent, escaped', async () => {
    for (const who of ['chair', 'secretary', 'deputy', 'm1', 'm2']) expect(await sign(h, g.email(who)), who).toBe(200);
    expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('distributed');
    const mail = (await lastMail(h, g.email('m3'), /^Протокол №/))!;
    const protocol = attachedProtocol(mail);
    for (const escaped of ['&lt;script&gt;alert(&quot;dissent&quot;)&lt;/script&gt;', '&lt;script&gt;alert(&quot;opinion&quot;)&lt;/script&gt;', 'О &lt;img src=x onerror=alert(1)&gt; графике']) {
      expect(protocol).toContain(escaped);
    }
    expect(protocol).not.toMatch(/<script>alert|<img src=x/);
    expect(plain(protocol)).toContain(`Особые мнения по протоколу в целом: ${NAMES.m2}`);
    expect(mail.html).not.toMatch(/<script>alert|<img src=x/);
    await getEverythingAndCompare();
  });
});
