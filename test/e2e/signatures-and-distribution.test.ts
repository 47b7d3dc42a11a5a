import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { NAMES, approveByLink, attachedProtocol, convene, createGroup, lastMail, linkFrom, meeting, plain, sign, state, team, voteAll } from './fixtures.ts';

/**
 * SPEC «The meeting lifecycle» 6–7 (п. 2.5е, 2.6з, 3.4) across the May 2026 holidays:
 * - an edit of the narrative after the first signature voids all signatures; new signing e-mails
 *   carry the new SHA-256;
 * - a signature still missing at the deadline: one reminder, only to those who have not signed;
 *   then the protocol is finalised with the missing signatures recorded («не подписано»);
 * - the signing date is the moment of finalisation; the protocol goes out at once, and the stored
 *   distribution deadline is the end of the 5th working day after it: signed Thu 30 April 2026,
 *   1–3 May are days off (ТК РФ ст. 112, decree № 1466), so the 5th working day is Fri 8 May →
 *   2026-05-08 23:59:59 Europe/Astrakhan = 2026-05-08T19:59:59Z.
 * The whole lifecycle — from convening on 15 April to distribution on 30 April — runs in a few
 * seconds of wall time: the clock jumps from one timed state to the next, no sleeps.
 */
describe('signatures, the reminder, finalisation and distribution around the May holidays', () => {
  let h: Harness;
  const g = team('may.example.org', 3);
  const everyone = ['chair', 'deputy', 'secretary', 'm1', 'm2', 'm3'];
  let id: string;
  let firstHash: string;
  let secondHash: string;

  beforeAll(async () => {
    // Wednesday 15 April 2026; the meeting is on Monday 27 April at 10:00 Astrakhan time.
    h = await startHarness('2026-04-15T06:00:00Z');
    const groupId = await createGroup(h, g.members, g.secretary);
    id = await convene(
      h,
      groupId,
      { title: 'О плане мероприятий', date: '2026-04-27', time: '10:00', agenda: [{ title: 'О плане мероприятий на II квартал', speakers: ['m1'] }] },
      g.chair,
    );
  }, 120_000);
  afterAll(() => h?.stop());

  it('computes the signature deadline as the end of the 3rd working day after the meeting day', async () => {
    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.deadlines).toMatchObject({ voteOpens: '2026-04-27T06:00:00Z', voteCloses: '2026-04-27T08:00:00Z', signatures: '2026-04-30T19:59:59Z' });
  });

  it('runs to the vote and sends every participant the protocol to sign', async () => {
    await h.advanceTo('2026-04-22T19:59:59Z');
    expect(await approveByLink(h, g.email('chair'))).toBe(200);
    await h.advanceTo('2026-04-27T06:00:00Z');
    for (const who of everyone) expect(await voteAll(h, g.email(who), { 0: 'for' })).toBe(200);
    await h.advanceTo('2026-04-27T08:00:00Z');
    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('protocol-signing');
    expect(m.protocol.version).toBe(1);
    firstHash = m.protocol.hash;
    for (const who of everyone) {
      const mail = await lastMail(h, g.email(who), /^Протокол на подпись/);
      expect(mail!.text, who).toContain(firstHash);
    }
  });

  it('voids every signature when the secretary edits the narrative after the first signature; new e-mails carry the new SHA-256', async () => {
    expect(await sign(h, g.email('chair'))).toBe(200);
    expect(Object.keys((await meeting(h, id, g.secretary)).protocol.signatures)).toEqual(['chair']);

    const itemId = (await meeting(h, id, g.secretary)).agenda[0].id as string;
    const edit = await h.admin(
      'PUT',
      `/admin/meetings/${id}/protocol/narrative`,
      { items: { [itemId]: { heard: 'Кузнецов Олег доложил о плане мероприятий.', spoke: 'Смирнова Елена предложила уточнить сроки.' } } },
      g.secretary,
    );
    expect(edit.status).toBe(200);
    expect(edit.body.changed).toBe(true);
    expect(edit.body.linksSent).toBe(6);

    const m = await meeting(h, id, g.secretary);
    expect(m.protocol.version).toBe(2);
    secondHash = m.protocol.hash;
    expect(secondHash).not.toBe(firstHash);
    expect(m.protocol.signatures).toEqual({});
    expect([...m.protocol.missingSigners].sort()).toEqual([...everyone].sort());
    expect(m.audit.find((a: any) => a.action === 'protocol-edited').detail.signaturesVoided).toEqual(['chair']);

    for (const who of everyone) {
      const requests = (await h.mailsTo(g.email(who))).filter((x) => /^Протокол на подпись/.test(x.subject));
      expect(requests, who).toHaveLength(2);
      expect(requests[1]!.text).toContain(secondHash);
      expect(requests[1]!.text).not.toContain(firstHash);
    }
    // The page shows the new version and its hash; posting the old hash signs nothing (409, the current version shown).
    const link = await linkFrom(h, g.email('m2'), /^Протокол на подпись/);
    const page = await h.get(link);
    expect(page.text).toContain(secondHash);
    expect(page.text).toContain('Кузнецов Олег доложил о плане мероприятий.');
    const stale = await h.post(link, { sha256: firstHash });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain(secondHash);
    expect((await meeting(h, id, g.secretary)).protocol.signatures).toEqual({});
  });

  it('a signature POST is one conditional write and one count: DynamoDB requests counted', async () => {
    for (const who of ['chair', 'secretary', 'deputy']) expect(await sign(h, g.email(who)), who).toBe(200);
    const link = await linkFrom(h, g.email('m1'), /^Протокол на подпись/);
    const hash = /name="sha256" value="([0-9a-f]{64})"/.exec((await h.get(link)).text)?.[1];
    expect(hash).toBe(secondHash);
    // Every DynamoDB request of the one POST (the workflow is idle: it waits for the deadline).
    const requests: string[] = [];
    const client = h.system.deps.store.table.client;
    client.middlewareStack.add((next, context) => async (args) => {
      requests.push(context.commandName ?? '?');
      return next(args);
    }, { step: 'initialize', name: 'countSignatureRequests' });
    try {
      const response = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ sha256: secondHash }).toString() });
      expect(response.status).toBe(200);
      await response.text();
    } finally {
      client.middlewareStack.remove('countSignatureRequests');
    }
    // The link with the meeting, group header and member in one BatchGetItem (the page's facts); the
    // signature: ONE UpdateItem on the signer's own item; ONE atomic count on the header (the last one?).
    // Three requests, whatever the number of signers.
    expect(requests).toEqual(['BatchGetItemCommand', 'UpdateItemCommand', 'UpdateItemCommand']);
    await h.settle();
  });

  it('reminds only those who have not signed, once, a day before the deadline', async () => {
    const signed = (await meeting(h, id, g.secretary)).protocol.signatures;
    expect(Object.values(signed).map((s: any) => s.hash)).toEqual([secondHash, secondHash, secondHash, secondHash]);

    expect((await h.advanceToNext())?.toISOString()).toBe('2026-04-29T19:59:59.000Z');
    const reminders = (await h.mails()).filter((x) => /^Напоминание: подпишите протокол/.test(x.subject));
    expect(reminders.flatMap((x) => x.to).sort()).toEqual([g.email('m2'), g.email('m3')]);
    expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('protocol-signing');
  });

  it('finalises at the deadline with the missing signatures; the signing date is that moment; distributed at once', async () => {
    const signLinkOfM3 = await linkFrom(h, g.email('m3'), /^Протокол на подпись/);
    expect((await h.advanceToNext())?.toISOString()).toBe('2026-04-30T19:59:59.000Z');
    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('distributed');
    expect(m.meeting.signedAt).toBe('2026-04-30T19:59:59Z');
    expect(m.meeting.distributedAt).toBe('2026-04-30T19:59:59Z');
    // 1–3 May off; 4, 5, 6, 7, 8 May are the five working days.
    expect(m.meeting.deadlines.distribution).toBe('2026-05-08T19:59:59Z');
    expect(m.protocol.finalisedAt).toBeTruthy();
    expect([...m.protocol.missingSigners].sort()).toEqual(['m2', 'm3']);
    expect(m.audit.find((a: any) => a.action === 'protocol-finalised').detail).toMatchObject({
      signedAt: '2026-04-30T19:59:59Z',
      distributionDeadline: '2026-05-08T19:59:59Z',
      missingSignatures: [NAMES.m2, NAMES.m3],
    });

    for (const who of everyone) {
      const sent = (await h.mailsTo(g.email(who))).filter((x) => /^Протокол №/.test(x.subject));
      expect(sent, who).toHaveLength(1);
      expect(sent[0]!.text).toContain('Не подписали в срок:');
      expect(sent[0]!.text).toContain(NAMES.m2!);
    }
    const protocol = plain(attachedProtocol((await lastMail(h, g.email('m3'), /^Протокол №/))!));
    expect(protocol).toContain(`Член рабочей группы: ${NAMES.m2} не подписано`);
    expect(protocol).toContain(`Член рабочей группы: ${NAMES.m3} не подписано`);
    expect(protocol).toContain(`Председательствующий, председатель рабочей группы: ${NAMES.chair} Подписано простой электронной подписью по персональной ссылке`);
    expect(protocol).toContain(`SHA-256 подписанного документа: ${secondHash}`);
    expect(protocol).not.toContain(firstHash);
    expect(protocol).toContain('Дата подписания: 30 апреля 2026 г., 23:59');
    expect(protocol).toContain('Направлен членам рабочей группы (п. 3.4): 30 апреля 2026 г., 23:59');
    expect(protocol).toContain('СЛУШАЛИ: Кузнецов Олег — Кузнецов Олег доложил о плане мероприятий.');

    // A signature after finalisation is refused and changes nothing.
    const before = await state(h, id, g.secretary);
    const late = await h.post(signLinkOfM3, { sha256: secondHash });
    expect(late.status).toBe(409);
    expect(late.text).toContain('срок подписания протокола истёк');
    expect(await state(h, id, g.secretary)).toBe(before);
  });

  it('has nothing left to do: the execution ended, nothing more is sent', async () => {
    const count = (await h.mails()).length;
    expect(h.system.runtime.nextWakeUp()).toBeUndefined();
    await h.advanceTo('2026-05-12T06:00:00Z');
    expect(await h.mails()).toHaveLength(count);
  });
});
