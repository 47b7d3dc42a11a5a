import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editNarrative } from '../../functions/app/admin.ts';
import { startHarness, type Harness } from './harness.ts';
import { NAMES, attachedProtocol, lastMail, linkFrom, meeting, plain, runToSigning, sign, team } from './fixtures.ts';

/**
 * Issue 10 §4: a version is finalised only with its own signatures. The race, reproduced
 * deterministically: every signer signs version 1 — the last signature completes the signature phase
 * — and the secretary's narrative edit lands before FinaliseProtocol reads the protocol (the edit is
 * made from inside that read). Version 2 then voids every signature; FinaliseProtocol does not seal
 * it, the signature phase restarts for it with its own deadline (the same period again, from the day
 * of the edit), and it is finalised only at that deadline, with the signatures given to it.
 *
 * Meeting Mon 27 April 2026; signing of version 1 until Thu 30 April (3 working days). The edit comes
 * on Wed 29 April: 30 April, then 1–3 May off, 4 and 5 May → version 2 until 2026-05-05 23:59:59
 * Europe/Astrakhan = 2026-05-05T19:59:59Z.
 */
describe('an edit right after the last signature restarts signing for the new version', () => {
  let h: Harness;
  const g = team('restart.example.org', 3);
  const everyone = ['chair', 'deputy', 'secretary', 'm1', 'm2', 'm3'];
  let id: string;
  let itemId: string;
  let firstHash: string;
  let secondHash: string;

  beforeAll(async () => {
    h = await startHarness('2026-04-15T06:00:00Z');
    ({ id } = await runToSigning(h, g, { date: '2026-04-27', proposalsClose: '2026-04-22', agenda: [{ title: 'О плане на II квартал', speakers: ['m1'] }], voters: everyone }));
    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('protocol-signing');
    expect(m.meeting.deadlines.signatures).toBe('2026-04-30T19:59:59Z');
    firstHash = m.protocol.hash;
    itemId = m.agenda[0].id;
  }, 120_000);
  afterAll(() => h?.stop());

  it('does not finalise version 2 when the edit lands between the last signature of version 1 and FinaliseProtocol', async () => {
    await h.advanceTo('2026-04-29T07:00:00Z');
    for (const who of everyone.slice(0, -1)) expect(await sign(h, g.email(who)), who).toBe(200);

    // FinaliseProtocol's first read of the protocol: the edit comes just before it.
    const protocols = h.system.deps.store.protocols;
    const completion = protocols.completion.bind(protocols);
    let edited = false;
    protocols.completion = async (meetingId: string) => {
      if (!edited && new Error().stack?.includes('finaliseIfDue')) {
        edited = true;
        const secretary = { email: g.email('secretary'), sub: 'secretary', groups: ['secretary'] };
        await editNarrative(h.system.deps, secretary, id, { items: { [itemId]: { heard: 'Кузнецов Олег доложил о плане.', spoke: 'Смирнова Елена предложила уточнить сроки.' } } });
      }
      return completion(meetingId);
    };
    try {
      // The last signature of version 1 completes the phase: the execution goes on to FinaliseProtocol.
      expect(await sign(h, g.email('m3'))).toBe(200);
    } finally {
      protocols.completion = completion;
    }
    expect(edited).toBe(true);

    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('protocol-signing');
    expect(m.protocol.version).toBe(2);
    expect(m.protocol.finalisedAt).toBeFalsy();
    expect(m.protocol.signatures).toEqual({});
    secondHash = m.protocol.hash;
    expect(secondHash).not.toBe(firstHash);
    // Version 2 has its own signing period: three working days from the day of the edit.
    expect(m.meeting.deadlines.signatures).toBe('2026-05-05T19:59:59Z');
    expect(m.audit.filter((a: any) => a.action === 'signatures-restarted').map((a: any) => a.detail)).toEqual([{ version: 2, signaturesDeadline: '2026-05-05T19:59:59Z' }]);
    expect(m.audit.some((a: any) => a.action === 'protocol-finalised')).toBe(false);
    for (const who of everyone) {
      const request = await lastMail(h, g.email(who), /^Протокол на подпись/);
      expect(request!.text, who).toContain(secondHash);
      expect((await h.mailsTo(g.email(who))).some((x) => /^Протокол №/.test(x.subject)), who).toBe(false);
    }
  });

  it('is not finalised at the deadline of version 1; its links work after it', async () => {
    await h.advanceTo('2026-04-30T20:00:00Z');
    expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('protocol-signing');
    await h.advanceTo('2026-05-04T07:00:00Z');
    for (const who of ['chair', 'secretary', 'deputy', 'm1']) expect(await sign(h, g.email(who)), who).toBe(200);
    const signed = (await meeting(h, id, g.secretary)).protocol.signatures;
    expect(Object.values(signed).map((s: any) => s.hash)).toEqual([secondHash, secondHash, secondHash, secondHash]);
  });

  it('reminds a day before its own deadline, then finalises it at that deadline with the signatures given to version 2', async () => {
    expect((await h.advanceToNext())?.toISOString()).toBe('2026-05-04T19:59:59.000Z');
    const reminders = (await h.mails()).filter((x) => /^Напоминание: подпишите протокол/.test(x.subject));
    expect(reminders.flatMap((x) => x.to).sort()).toEqual([g.email('m2'), g.email('m3')]);
    expect((await h.advanceToNext())?.toISOString()).toBe('2026-05-05T19:59:59.000Z');
    const m = await meeting(h, id, g.secretary);
    expect(m.meeting.phase).toBe('distributed');
    expect(m.meeting.signedAt).toBe('2026-05-05T19:59:59Z');
    expect(m.protocol.version).toBe(2);
    expect([...m.protocol.missingSigners].sort()).toEqual(['m2', 'm3']);
    const protocol = plain(attachedProtocol((await lastMail(h, g.email('m2'), /^Протокол №/))!));
    expect(protocol).toContain(`SHA-256 подписанного документа: ${secondHash}`);
    expect(protocol).not.toContain(firstHash);
    expect(protocol).toContain(`Член рабочей группы: ${NAMES.m2} не подписано`);
    expect(protocol).toContain(`Член рабочей группы: ${NAMES.m1} Подписано простой электронной подписью по персональной ссылке`);
    expect(protocol).toContain('СЛУШАЛИ: Кузнецов Олег — Кузнецов Олег доложил о плане.');
    for (const who of everyone) expect((await h.mailsTo(g.email(who))).filter((x) => /^Протокол №/.test(x.subject)), who).toHaveLength(1);
    // A signature after finalisation is refused.
    const link = await linkFrom(h, g.email('m3'), /^Протокол на подпись/);
    expect((await h.post(link, { sha256: secondHash })).status).toBe(409);
  });
});
