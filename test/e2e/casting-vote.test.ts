import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import {
  NAMES,
  answer,
  approveByLink,
  attachedProtocol,
  convene,
  createGroup,
  lastMail,
  meeting,
  plain,
  sign,
  subjects,
  team,
  voteAll,
  type Team,
} from './fixtures.ts';

/**
 * SPEC «Vote» (п. 3.2 casting vote), «Who» (п. 2.4 deputy presides while the chair is absent,
 * п. 2.5 acting secretary). Four working groups share one harness and one timeline; each has its own
 * mail domain. Every meeting runs from convening to the distributed protocol through HTTP and e-mail.
 *
 *  tie      — chair present: item 1 tie, chair «за» → adopted by the casting vote;
 *             item 2 tie, chair abstains → not adopted; item 3 tie, chair «против» → not adopted.
 *  deputy   — the chair answers «I will be absent» by the notice link; the deputy presides and decides a tie.
 *  acting   — the secretary records the chair absent (admin API); the secretary is absent too;
 *             the presiding deputy appoints m1 acting secretary; m1 edits the narrative and signs
 *             instead of the secretary.
 */
describe('casting vote, deputy presiding, acting secretary', () => {
  let h: Harness;
  const groups = { tie: team('tie.example.org'), deputy: team('deputy.example.org'), acting: team('acting.example.org') };
  const ids: Record<keyof typeof groups, string> = { tie: '', deputy: '', acting: '' };
  const all = ['chair', 'deputy', 'secretary', 'm1', 'm2', 'm3'];

  beforeAll(async () => {
    // Monday 2 March 2026, 10:00 Europe/Astrakhan; the meetings are on Thursday 12 March at 10:00.
    h = await startHarness('2026-03-02T06:00:00Z');
    for (const [key, g] of Object.entries(groups) as [keyof typeof groups, Team][]) {
      const groupId = await createGroup(h, g.members, g.secretary);
      ids[key] = await convene(
        h,
        groupId,
        {
          title: `Заседание группы ${key}`,
          date: '2026-03-12',
          time: '10:00',
          place: 'г. Астрахань, ул. Чернышевского, 6',
          agenda: [
            { title: 'Об утверждении плана', speakers: ['secretary'], decision: 'Утвердить план работы.' },
            { title: 'О регламенте приёма граждан', decision: 'Утвердить регламент.' },
            { title: 'О мониторинге обращений', decision: 'Организовать мониторинг.' },
          ],
        },
        g.chair,
      );
    }
    await h.advanceTo('2026-03-07T19:59:59Z');
    for (const g of Object.values(groups)) expect(await approveByLink(h, g.email('chair'))).toBe(200);
  }, 120_000);
  afterAll(() => h?.stop());

  it('records who is absent before the meeting: by the own notice link, or by the secretary', async () => {
    const { deputy, acting } = groups;
    // deputy: the chair answers the notice «I will be absent».
    expect((await answer(h, deputy.email('chair'), 'absent')).status).toBe(200);
    // acting: the secretary records the chair absent through the admin API, then is absent too.
    const marked = await h.admin('POST', `/admin/meetings/${ids.acting}/attendance`, { memberId: 'chair', status: 'absent' }, acting.secretary);
    expect(marked.status).toBe(200);
    expect((await answer(h, acting.email('secretary'), 'absent')).status).toBe(200);

    expect((await meeting(h, ids.deputy, deputy.secretary)).attendance.chair.status).toBe('absent');
    expect((await meeting(h, ids.acting, acting.secretary)).attendance).toMatchObject({ chair: { status: 'absent' }, secretary: { status: 'absent' } });
  });

  it('lets only the presiding person appoint an acting secretary, and only while the secretary is absent (п. 2.5)', async () => {
    const { acting, tie } = groups;
    // The secretary of «tie» is not absent: nobody can stand in; and the deputy does not preside there.
    const refused = await h.admin('POST', `/admin/meetings/${ids.tie}/acting-secretary`, { memberId: 'm1' }, tie.chair);
    expect(refused.status).toBe(422);
    expect(refused.body.details).toContainEqual(expect.objectContaining({ code: 'secretary-present' }));
    expect((await h.admin('POST', `/admin/meetings/${ids.tie}/acting-secretary`, { memberId: 'm1' }, tie.deputy)).status).toBe(403);
    // In «acting» the chair is absent: the deputy presides and appoints (п. 2.4, 2.5); an absent member cannot be appointed.
    const absentAppointee = await h.admin('POST', `/admin/meetings/${ids.acting}/acting-secretary`, { memberId: 'chair' }, acting.deputy);
    expect(absentAppointee.status).toBe(422);
    // The absent chair does not preside there, so cannot appoint.
    expect((await h.admin('POST', `/admin/meetings/${ids.acting}/acting-secretary`, { memberId: 'm1' }, acting.chair)).status).toBe(403);
    const byDeputy = await h.admin('POST', `/admin/meetings/${ids.acting}/acting-secretary`, { memberId: 'm1' }, acting.deputy);
    expect(byDeputy.status).toBe(200);
    expect(byDeputy.body.meeting.actingSecretaryId).toBe('m1');
    expect((await meeting(h, ids.acting, acting.deputy)).meeting.actingSecretaryId).toBe('m1');
  });

  it('sends ballots at the start to everyone not recorded absent', async () => {
    await h.advanceTo('2026-03-12T06:00:00Z');
    const ballots = async (g: Team) => {
      const got: string[] = [];
      for (const id of all) if (await lastMail(h, g.email(id), /^Голосование открыто/)) got.push(id);
      return got;
    };
    expect(await ballots(groups.tie)).toEqual(all);
    expect(await ballots(groups.deputy)).toEqual(all.filter((id) => id !== 'chair'));
    expect(await ballots(groups.acting)).toEqual(all.filter((id) => id !== 'chair' && id !== 'secretary'));
    expect((await meeting(h, ids.deputy, groups.deputy.secretary)).meeting.presidingId).toBe('deputy');
  });

  it('takes the votes', async () => {
    const vote = async (g: Team, votes: Record<string, [string?, string?, string?]>) => {
      for (const [id, choices] of Object.entries(votes)) {
        const form: Record<string, string> = {};
        choices.forEach((c, i) => {
          if (c) form[i] = c;
        });
        expect(await voteAll(h, g.email(id), form), `${g.domain} ${id}`).toBe(200);
      }
    };
    // tie: 6 participants. Item 1: 2 for (chair) / 2 against / 2 abstain. Item 2: 1 / 1, chair abstains.
    // Item 3: 2 / 2, chair against.
    await vote(groups.tie, {
      chair: ['for', 'abstain', 'against'],
      deputy: ['for', 'for', 'for'],
      secretary: ['against', 'against', 'against'],
      m1: ['against', 'abstain', 'for'],
      m2: ['abstain', 'abstain', 'abstain'],
      m3: ['abstain', 'abstain', 'abstain'],
    });
    // deputy: 5 participants (chair absent); item 1: 2 for (deputy) / 2 against / 1 abstain.
    await vote(groups.deputy, {
      deputy: ['for', 'for', 'for'],
      secretary: ['against', 'for', 'for'],
      m1: ['for', 'for', 'for'],
      m2: ['against', 'for', 'for'],
      m3: ['abstain', 'for', 'for'],
    });
    // acting: 4 participants; item 1: 2 for / 2 against, deputy presiding «против» → not adopted.
    await vote(groups.acting, {
      deputy: ['against', 'for', 'for'],
      m1: ['for', 'for', 'for'],
      m2: ['for', 'for', 'for'],
      m3: ['against', 'for', 'for'],
    });
  });

  it('tallies at the close: the casting vote decides a tie; an abstaining chair decides nothing', async () => {
    await h.advanceTo('2026-03-12T08:00:00Z');
    const rows = async (g: Team, id: string) =>
      (await meeting(h, id, g.secretary)).tally.items.map((t: any) => [t.for, t.against, t.abstain, t.adopted, t.rule, t.decidedByCastingVote]);
    expect(await rows(groups.tie, ids.tie)).toEqual([
      [2, 2, 2, true, 'casting-vote-for', true],
      [1, 1, 4, false, 'tie-no-casting-vote', false],
      [2, 2, 2, false, 'casting-vote-against', true],
    ]);
    expect(await rows(groups.deputy, ids.deputy)).toEqual([
      [2, 2, 1, true, 'casting-vote-for', true],
      [5, 0, 0, true, 'majority', false],
      [5, 0, 0, true, 'majority', false],
    ]);
    expect(await rows(groups.acting, ids.acting)).toEqual([
      [2, 2, 0, false, 'casting-vote-against', true],
      [4, 0, 0, true, 'majority', false],
      [4, 0, 0, true, 'majority', false],
    ]);
    const deputyState = await meeting(h, ids.deputy, groups.deputy.secretary);
    expect([...deputyState.participants].sort()).toEqual(['deputy', 'm1', 'm2', 'm3', 'secretary']);
    expect(deputyState.meeting.phase).toBe('protocol-signing');
  });

  it('asks the presiding person and the protocol keeper to sign — never the absent chair or secretary', async () => {
    const signers = async (g: Team) => {
      const got: string[] = [];
      for (const id of all) if (await lastMail(h, g.email(id), /^Протокол на подпись/)) got.push(id);
      return got;
    };
    expect(await signers(groups.tie)).toEqual(all);
    expect(await signers(groups.deputy)).toEqual(['deputy', 'secretary', 'm1', 'm2', 'm3']);
    expect(await signers(groups.acting)).toEqual(['deputy', 'm1', 'm2', 'm3']);
    expect((await meeting(h, ids.acting, groups.acting.secretary)).protocol.missingSigners).toEqual(['deputy', 'm1', 'm2', 'm3']);
  });

  it('lets the acting secretary edit the narrative; the absent secretary’s own role does not stand in', async () => {
    const { acting } = groups;
    const item = (await meeting(h, ids.acting, acting.deputy)).agenda[0].id as string;
    const edited = await h.admin(
      'PUT',
      `/admin/meetings/${ids.acting}/protocol/narrative`,
      { items: { [item]: { heard: 'Доклад о плане работы', spoke: 'Кузнецов Олег: поддержал' } } },
      acting.as('m1', ['secretary']),
    );
    expect(edited.status).toBe(200);
    expect(edited.body.changed).toBe(true);
    // A member who is neither secretary nor acting secretary cannot edit.
    const stranger = await h.admin('PUT', `/admin/meetings/${ids.acting}/protocol/narrative`, { items: { [item]: { heard: 'x', spoke: 'y' } } }, acting.as('m3', ['secretary']));
    expect(stranger.status).toBe(403);
    // The new version went to the signers again (nobody had signed yet): one more signing e-mail each.
    expect((await h.mailsTo(acting.email('m2'))).filter((m) => /^Протокол на подпись/.test(m.subject))).toHaveLength(2);
  });

  it('distributes each protocol once all have signed; the protocol names who presided, the stand-ins and the casting vote', async () => {
    const signersOf: Record<keyof typeof groups, string[]> = {
      tie: all,
      deputy: ['deputy', 'secretary', 'm1', 'm2', 'm3'],
      acting: ['deputy', 'm1', 'm2', 'm3'],
    };
    for (const key of Object.keys(groups) as (keyof typeof groups)[]) {
      for (const id of signersOf[key]) expect(await sign(h, groups[key].email(id)), `${key} ${id}`).toBe(200);
      const m = await meeting(h, ids[key], groups[key].secretary);
      expect(m.meeting.phase, key).toBe('distributed');
      expect(m.protocol.missingSigners).toEqual([]);
      // Every member, the absent ones included, gets the protocol (п. 3.4).
      for (const id of all) expect(await lastMail(h, groups[key].email(id), /^Протокол №/), `${key} ${id}`).toBeDefined();
    }

    // tie: the casting vote decided item 1 and item 3; an abstaining chair decided nothing on item 2.
    const tie = plain(attachedProtocol((await lastMail(h, groups.tie.email('m3'), /^Протокол №/))!));
    expect(tie).toContain(`Председательствующий: председатель рабочей группы ${NAMES.chair}`);
    expect(tie).toContain(`Секретарь: секретарь рабочей группы ${NAMES.secretary}`);
    expect(tie).toContain('Голоса разделились поровну (2 «за», 2 «против»); решающим является голос председательствующего (п. 3.2), который голосовал «за». Решение принято решающим голосом председательствующего.');
    expect(tie).toContain('Голоса разделились поровну (1 «за», 1 «против»); решающим является голос председательствующего (п. 3.2), однако председательствующий воздержался, решающего голоса нет. Решение не принято.');
    expect(tie).toContain('который голосовал «против». Решение не принято решающим голосом председательствующего.');
    expect(tie).toContain(`${NAMES.chair}: «за»`);

    // deputy: the deputy presided (chair absent) and the casting vote was the deputy's.
    const deputy = plain(attachedProtocol((await lastMail(h, groups.deputy.email('chair'), /^Протокол №/))!));
    expect(deputy).toContain(`Председательствующий: заместитель председателя рабочей группы ${NAMES.deputy} (председатель ${NAMES.chair} отсутствует, п. 2.4)`);
    expect(deputy).toContain('Отсутствуют (1)');
    expect(deputy).toContain('Голоса разделились поровну (2 «за», 2 «против»); решающим является голос председательствующего (п. 3.2), который голосовал «за». Решение принято решающим голосом председательствующего.');
    expect(deputy).toContain(`Председательствующий, заместитель председателя рабочей группы: ${NAMES.deputy}`);
    expect(deputy).not.toContain(`Председательствующий, председатель рабочей группы: ${NAMES.chair}`);

    // acting: deputy presiding, m1 acting secretary; m1 signs as the secretary of the meeting.
    const acting = plain(attachedProtocol((await lastMail(h, groups.acting.email('secretary'), /^Протокол №/))!));
    expect(acting).toContain(`Председательствующий: заместитель председателя рабочей группы ${NAMES.deputy} (председатель ${NAMES.chair} отсутствует, п. 2.4)`);
    expect(acting).toContain(`Секретарь: член рабочей группы ${NAMES.m1}, назначенный председательствующим исполнять обязанности секретаря (секретарь рабочей группы ${NAMES.secretary} отсутствует, п. 2.5)`);
    expect(acting).toContain(`Секретарь заседания (исполняющий обязанности, п. 2.5): ${NAMES.m1} Подписано простой электронной подписью`);
    expect(acting).not.toContain(`Секретарь рабочей группы: ${NAMES.secretary}`);
    expect(acting).toContain('который голосовал «против». Решение не принято решающим голосом председательствующего.');
    expect(acting).toContain('СЛУШАЛИ: Сидорова Мария Олеговна — Доклад о плане работы');

  });

  it('sent nobody a ballot or a signing request they should not have had', async () => {
    expect(await subjects(h, groups.deputy.email('chair'))).not.toContainEqual(expect.stringMatching(/^(Голосование открыто|Протокол на подпись)/));
    expect(await subjects(h, groups.acting.email('secretary'))).not.toContainEqual(expect.stringMatching(/^(Голосование открыто|Протокол на подпись)/));
    expect(await subjects(h, groups.acting.email('chair'))).not.toContainEqual(expect.stringMatching(/^(Голосование открыто|Протокол на подпись)/));
  });
});
