import pMap from 'p-map';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Choice } from '../../functions/domain/types.ts';
import { bigRoster, linksByRecipient } from '../../scripts/bench-scale.ts';
import { startHarness, type Harness } from './harness.ts';
import { CHAIR, SECRETARY, convene, meeting } from './fixtures.ts';

/**
 * Issue 9: a 2,000-member group, created through the admin API, holds a meeting with 15 agenda items.
 * Every member votes through the e-mailed ballot link, many at a time; every ballot is stored whole
 * and the tally is exactly what the members chose.
 */
const MEMBERS = 2000;
const ITEMS = 15;
const CHOICES: (Choice | null)[] = ['for', 'for', 'against', 'abstain', null];

/** What member `i` chooses on item `j` (null: leaves it blank); deterministic, varied; everyone votes on item 1. */
const choiceOf = (i: number, j: number): Choice | null => CHOICES[(i * 7 + j * 3 + ((i * j) % 5)) % CHOICES.length] ?? (j === 0 ? 'for' : null);

describe('a 2,000-member group with 15 agenda items', () => {
  let h: Harness;
  let id: string;
  const members = bigRoster(MEMBERS);

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    const created = await h.admin('POST', '/admin/groups', {
      bodyName: 'Администрация муниципального образования «Городской округ город Астрахань»',
      name: 'Общественный совет',
      settings: { sendRatePerSecond: 1000 },
      members,
    }, SECRETARY);
    expect(created.status).toBe(201);
    const groupId = (created.body.group?.id ?? created.body.id) as string;
    id = await convene(h, groupId, { title: 'Заседание совета', date: '2026-03-12', time: '10:00', agenda: Array.from({ length: ITEMS }, (_, j) => ({ title: `Вопрос ${j + 1}` })) }, CHAIR);
  }, 600_000);
  afterAll(() => h?.stop());

  it('stores every ballot whole and tallies exactly', async () => {
    for (let step = 0; step < 20 && (await meeting(h, id)).meeting.phase !== 'in-session'; step++) {
      if ((await meeting(h, id)).meeting.phase === 'agenda-approval') {
        const approve = (await linksByRecipient(h, /утвержден/i)).get('chair@example.org');
        if (approve) expect((await h.post(approve, {})).status).toBe(200);
      }
      await h.advanceToNext();
    }
    expect((await meeting(h, id)).meeting.phase).toBe('in-session');

    const ballots = await linksByRecipient(h, /голосован/i);
    expect(ballots.size).toBe(MEMBERS);
    const page = await h.get(ballots.get('chair@example.org')!);
    const fields = [...new Set([...page.text.matchAll(/name="(vote_[^"]+)"/g)].map((m) => m[1]!))];
    expect(fields).toHaveLength(ITEMS);

    const statuses = await pMap(members.entries(), async ([i, m]) => {
      const form: Record<string, string> = {};
      fields.forEach((field, j) => {
        const choice = choiceOf(i, j);
        if (choice) form[field] = choice;
      });
      return (await h.post(ballots.get(m.email)!, form)).status;
    }, { concurrency: 16 });
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    for (let step = 0; step < 5 && (await meeting(h, id)).meeting.phase === 'in-session'; step++) await h.advanceToNext();
    const bundle = (await h.system.deps.store.loadMeetingBundle(id))!;
    const itemIds = bundle.agenda.filter((item) => item.approved).map((item) => item.id);
    expect(itemIds).toHaveLength(ITEMS);
    // Every ballot whole: each member's stored votes are exactly what they chose.
    const wrong = members.filter((m, i) => {
      const stored = bundle.ballotBox.votes[m.id] ?? {};
      return itemIds.some((itemId, j) => (stored[itemId]?.choice ?? null) !== choiceOf(i, j));
    });
    expect(wrong.map((m) => m.id)).toEqual([]);

    const { tally } = await meeting(h, id);
    expect(tally.quorum).toBe(true);
    expect(tally.participants).toHaveLength(MEMBERS);
    itemIds.forEach((itemId, j) => {
      const expected = { for: 0, against: 0, abstain: 0, notVoted: 0 };
      members.forEach((_, i) => {
        const choice = choiceOf(i, j);
        expected[choice ?? 'notVoted']++;
      });
      const item = tally.items.find((t: { itemId: string }) => t.itemId === itemId);
      expect(item).toMatchObject({ ...expected, participants: MEMBERS, adopted: expected.for > MEMBERS / 2 });
    });
  }, 600_000);
});
