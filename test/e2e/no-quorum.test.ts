import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { approveByLink, attachedProtocol, convene, createGroup, lastMail, meeting, plain, sign, team, voteAll, type Team } from './fixtures.ts';

/**
 * SPEC «Vote», quorum (п. 3.3): the meeting may decide only if participants × 2 ≥ members.
 * Two groups of 8 on one timeline: in «few» 3 take part (no quorum: nothing is decided, every member
 * is told, the protocol says so); in «half» exactly 4 take part (8 ≥ 8: a quorum, decisions taken).
 */
describe('quorum: 3 of 8 is none, 4 of 8 is one', () => {
  let h: Harness;
  const few = team('few.example.org', 5);
  const half = team('half.example.org', 5);
  const everyone = ['chair', 'deputy', 'secretary', 'm1', 'm2', 'm3', 'm4', 'm5'];
  let fewId: string;
  let halfId: string;

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    const body = (title: string) => ({
      title,
      date: '2026-03-12',
      time: '10:00',
      agenda: [
        { title: 'О плане работы', decision: 'Утвердить план работы.' },
        { title: 'О графике приёма', decision: 'Утвердить график.' },
      ],
    });
    fewId = await convene(h, await createGroup(h, few.members, few.secretary), body('Заседание без кворума'), few.chair);
    halfId = await convene(h, await createGroup(h, half.members, half.secretary), body('Заседание с половиной состава'), half.chair);
    await h.advanceTo('2026-03-07T19:59:59Z');
    expect(await approveByLink(h, few.email('chair'))).toBe(200);
    expect(await approveByLink(h, half.email('chair'))).toBe(200);
    await h.advanceTo('2026-03-12T06:00:00Z');
    // Nobody answered the notice: everyone got a ballot; only some vote.
    for (const id of ['chair', 'secretary', 'm1']) expect(await voteAll(h, few.email(id), { 0: 'for', 1: 'for' })).toBe(200);
    for (const id of ['chair', 'secretary', 'm1']) expect(await voteAll(h, half.email(id), { 0: 'for', 1: 'for' })).toBe(200);
    expect(await voteAll(h, half.email('m2'), { 0: 'against', 1: 'for' })).toBe(200);
    await h.advanceTo('2026-03-12T08:00:00Z');
  }, 120_000);
  afterAll(() => h?.stop());

  it('3 of 8: no quorum, no decision recorded', async () => {
    const m = await meeting(h, fewId, few.secretary);
    expect(m.participants).toHaveLength(3);
    expect(m.tally.quorum).toBe(false);
    expect(m.tally.items.map((t: any) => [t.adopted, t.rule])).toEqual([
      [false, 'no-quorum'],
      [false, 'no-quorum'],
    ]);
    expect(m.audit.map((a: any) => a.action)).toContain('no-quorum');
    expect(m.audit.map((a: any) => a.action)).not.toContain('tallied');
  });

  it('tells every member, voters and non-voters alike, that there was no quorum', async () => {
    for (const id of everyone) {
      const mails = (await h.mailsTo(few.email(id))).filter((x) => /^Нет кворума/.test(x.subject));
      expect(mails, id).toHaveLength(1);
      expect(mails[0]!.text).toContain('кворума нет, решения по вопросам повестки не приняты');
      expect(mails[0]!.text).toContain('Участвовали: 3');
      expect(mails[0]!.text).toContain('Членов рабочей группы: 8');
      expect(mails[0]!.text).toContain('Нужно для кворума: 4');
    }
  });

  it('4 of 8 is exactly half: a quorum, decisions taken, nobody is told of a missing quorum', async () => {
    const m = await meeting(h, halfId, half.secretary);
    expect(m.participants).toHaveLength(4);
    expect(m.tally.quorum).toBe(true);
    // Item 1: 3 for of 4 → adopted; item 2: 4 for → adopted.
    expect(m.tally.items.map((t: any) => [t.for, t.against, t.adopted, t.rule])).toEqual([
      [3, 1, true, 'majority'],
      [4, 0, true, 'majority'],
    ]);
    for (const id of everyone) expect(await lastMail(h, half.email(id), /^Нет кворума/), id).toBeUndefined();
  });

  it('the protocols say so: «решения не принимались» (п. 3.3) for 3 of 8, a quorum for 4 of 8', async () => {
    const finish = async (g: Team, id: string) => {
      const state = await meeting(h, id, g.secretary);
      for (const signer of state.protocol.missingSigners as string[]) expect(await sign(h, g.email(signer))).toBe(200);
      expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('distributed');
      return state.protocol.missingSigners as string[];
    };
    // No quorum: the protocol is still kept and signed by the chair, the secretary and the participants.
    expect((await finish(few, fewId)).sort()).toEqual(['chair', 'm1', 'secretary']);
    expect((await finish(half, halfId)).sort()).toEqual(['chair', 'm1', 'm2', 'secretary']);

    const none = plain(attachedProtocol((await lastMail(h, few.email('m5'), /^Протокол №/))!));
    expect(none).toContain('Участвуют 3 из 8 членов рабочей группы; кворума нет (3 × 2 < 8, п. 3.3). Заседание неправомочно принимать решения; решения не принимались.');
    expect(none.match(/РЕШИЛИ: Решение не принималось: кворума нет \(п\. 3\.3\)\./g)).toHaveLength(2);
    // No outcome per item (the «Порядок подсчёта» note still explains the rule in general terms).
    expect(none).not.toMatch(/Решение принято(\.| решающим)/);
    expect(none).not.toContain('Итог:');
    expect(none).not.toContain('Голосование: «за»');

    const quorate = plain(attachedProtocol((await lastMail(h, half.email('m5'), /^Протокол №/))!));
    expect(quorate).toContain('Участвуют 4 из 8 членов рабочей группы; кворум имеется (4 × 2 ≥ 8, п. 3.3).');
    expect(quorate).toContain('Отсутствуют (4)');
    expect(quorate).toContain('«за» — 3, «против» — 1, «воздержались» — 0, не голосовали — 0 (участвуют 4).');
    expect(quorate).toContain('не менее 3 «за» из 4. 3 ≥ 3. Решение принято.');
  });
});
