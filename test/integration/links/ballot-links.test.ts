/**
 * The ballot link (SPEC «Links in e-mails», п. 3.2) against dynalite, through the member-links POST
 * path: one batch read and one conditional write per ballot, the whole ballot or nothing, and a page
 * that tells which.
 */
import { randomUUID } from 'node:crypto';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../functions/app/deps.ts';
import { issueLink } from '../../../functions/app/links.ts';
import { actOnLink, showLink } from '../../../functions/app/member-links.ts';
import type { Choice, Group, Member } from '../../../functions/domain/types.ts';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { Mailer } from '../../../functions/mail/mailer.ts';
import { memberTerms } from '../../../functions/store/ballots.ts';
import type { MeetingRecord } from '../../../functions/store/records.ts';
import { KvorumStore } from '../../../functions/store/store.ts';
import { ensureTable } from '../../../functions/store/table.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { group as baseGroup, newMeeting } from '../store/fixtures.ts';

const ITEMS = [
  { id: 'i1', title: 'О бюджете' },
  { id: 'i2', title: 'О парках' },
  { id: 'i3', title: 'О дорогах' },
];
const field = (itemId: string) => `vote_${itemId}`;

interface World {
  deps: Deps;
  store: KvorumStore;
  clock: ManualClock;
  meeting: MeetingRecord;
  sent: string[];
  /** The personal ballot link of a member (its token). */
  ballotOf(memberId: string): Promise<string>;
  /** DynamoDB requests (command names) made while fn runs, e-mail ledger (SEND#) excluded. */
  requestsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; commands: string[] }>;
}

describe('the ballot link: one batch read, one conditional write, all or nothing (dynalite)', () => {
  let db: RunningDynalite;
  let counting: string[] | null = null;
  beforeAll(async () => {
    db = await startDynalite();
    db.client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: { pk?: { S?: string } }; Item?: { pk?: { S?: string } } };
        const pk = input.Key?.pk?.S ?? input.Item?.pk?.S ?? '';
        if (counting && !pk.startsWith('SEND#')) counting.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
  });
  afterAll(() => db.stop());

  async function world(options: { members?: Member[]; voteReceipts?: boolean; voters?: string[]; sesDown?: boolean } = {}): Promise<World> {
    const tableName = `kvorum-${randomUUID()}`;
    await ensureTable(db.client, tableName);
    const clock = new ManualClock('2026-03-10T06:30:00Z');
    const store = new KvorumStore({ client: db.client, tableName, clock });
    const sent: string[] = [];
    const ses = {
      send: async () => {
        if (options.sesDown) throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
        sent.push('mail');
        return { MessageId: randomUUID() };
      },
    } as unknown as SESv2Client;
    const mailer = new Mailer({ ses, from: 'Kvorum <kvorum@kvorum.test>', ledger: store.mail, clock });
    const base = baseGroup();
    const group: Group = { ...base, settings: { ...base.settings, voteReceipts: options.voteReceipts ?? false }, members: options.members ?? base.members };
    await store.putGroup(group);
    await store.createMeeting(newMeeting('m'));
    const meeting = (await store.getMeeting('m'))!;
    const voters = options.voters ?? group.members.map((m) => m.id);
    await store.ballots.openVoting('m', { items: ITEMS, voterIds: voters }, memberTerms(meeting));
    const deps = {
      store,
      mailer,
      clock,
      linkSecret: async () => ({ current: 'test-link-secret-0123456789abcdef0123456789abcdef' }),
      publicBaseUrl: 'http://kvorum.test',
      senderAddress: 'kvorum@kvorum.test',
    } as unknown as Deps;
    return {
      deps,
      store,
      clock,
      meeting,
      sent,
      async ballotOf(memberId) {
        const url = await issueLink(deps, { meetingId: 'm', groupId: group.id, memberId, purpose: 'ballot', expiresAt: meeting.deadlines.voteCloses, revision: meeting.revision });
        return url.slice(url.lastIndexOf('/') + 1);
      },
      async requestsDuring(fn) {
        counting = [];
        try {
          const result = await fn();
          return { result, commands: counting };
        } finally {
          counting = null;
        }
      },
    };
  }

  it('a ballot POST makes 2 DynamoDB requests: one batch read (the link with the meeting, group and member), one conditional write', async () => {
    const w = await world();
    const token = await w.ballotOf('m1');
    const { result: page, commands } = await w.requestsDuring(() => actOnLink(w.deps, token, { [field('i1')]: 'for', [field('i2')]: 'against', [field('i3')]: 'abstain' }, 'ru'));
    expect(page.status).toBe(200);
    expect(page.html).toContain('Ваш голос учтён');
    expect(commands).toEqual(['BatchGetItemCommand', 'UpdateItemCommand']);
    expect(w.sent).toEqual([]);
    // The ballot GET: the same batch read, nothing else.
    const { result: form, commands: reads } = await w.requestsDuring(() => showLink(w.deps, token, {}, 'ru'));
    expect(form.status).toBe(200);
    expect(form.html).toMatch(/value="against"[^>]*checked|checked[^>]*value="against"/);
    expect(reads).toEqual(['BatchGetItemCommand']);
  });

  it('the page shows the ballot as stored, and a receipt goes out only when the group wants receipts', async () => {
    const w = await world({ voteReceipts: true });
    const token = await w.ballotOf('m1');
    await actOnLink(w.deps, token, { [field('i1')]: 'for' }, 'ru');
    const page = await actOnLink(w.deps, token, { [field('i2')]: 'against' }, 'ru');
    expect(page.status).toBe(200);
    // Both items, as stored: the earlier vote on i1 and this one on i2.
    expect(page.html).toMatch(/О бюджете<\/th><td>за/);
    expect(page.html).toMatch(/О парках<\/th><td>против/);
    expect(w.sent).toHaveLength(2);
  });

  it('a stored ballot is shown as stored even when its receipt cannot be sent (SES down)', async () => {
    const w = await world({ voteReceipts: true, sesDown: true });
    const page = await actOnLink(w.deps, await w.ballotOf('m1'), { [field('i1')]: 'for' }, 'ru');
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/О бюджете<\/th><td>за/);
    expect(w.sent).toHaveLength(0);
  });

  it('the same ballot POSTed 20 times at once: one ballot, one history entry per change', async () => {
    const w = await world();
    const token = await w.ballotOf('m1');
    const form = { [field('i1')]: 'for', [field('i2')]: 'against' };
    const pages = await Promise.all(Array.from({ length: 20 }, () => actOnLink(w.deps, token, form, 'ru')));
    expect(pages.map((p) => p.status)).toEqual(Array(20).fill(200));
    const ballot = await w.store.ballots.getMemberBallot('m', 'm1');
    expect(ballot?.votes).toMatchObject({ i1: { choice: 'for' }, i2: { choice: 'against' } });
    expect(ballot?.history.map((h) => `${h.itemId}:${h.choice}`).sort()).toEqual(['i1:for', 'i2:against']);
  });

  it('a ballot refused because voting closed between its read and its write stores nothing, and says so', async () => {
    const w = await world();
    const token = await w.ballotOf('m1');
    await actOnLink(w.deps, token, { [field('i1')]: 'for' }, 'ru');
    const before = await w.store.ballots.getMemberBallot('m', 'm1');
    // Voting closes right after the page's read: its write meets the sealed item.
    let closing = false;
    const closeAfterRead = (next: (args: any) => Promise<any>, context: { commandName?: string }) => async (args: any) => {
      const output = await next(args);
      if (context.commandName === 'BatchGetItemCommand' && !closing) {
        closing = true;
        await w.store.ballots.closeVoting('m');
      }
      return output;
    };
    db.client.middlewareStack.add(closeAfterRead as never, { step: 'initialize', name: 'closeAfterRead' });
    let page;
    try {
      page = await actOnLink(w.deps, token, { [field('i1')]: 'against', [field('i2')]: 'for', [field('i3')]: 'for' }, 'ru');
    } finally {
      db.client.middlewareStack.remove('closeAfterRead');
    }
    expect(page.status).toBe(409);
    expect(page.html).toContain('Бюллетень не сохранён');
    expect(page.html).toContain('Ничего не сохранено');
    expect(page.html).toContain('Голос не принят: голосование по этому заседанию закрыто');
    const after = await w.store.ballots.getMemberBallot('m', 'm1');
    expect(after?.votes).toEqual(before?.votes);
    expect(after?.history).toEqual(before?.history);
  });

  it('a member who is no voter gets "nothing was stored", and nothing is', async () => {
    const w = await world({ voters: ['chair', 'sec', 'm1'] });
    const page = await actOnLink(w.deps, await w.ballotOf('m2'), { [field('i1')]: 'for' }, 'en');
    expect(page.status).toBe(409);
    expect(page.html).toContain('Nothing was saved');
    expect(page.html).toContain('you are not among the voters');
    expect(await w.store.ballots.getMemberBallot('m', 'm2')).toBeNull();
  });

  it('1,000 voters at once, 200 of them through the ballot link, give an exact tally', async () => {
    const members: Member[] = [
      { id: 'chair', name: 'Иванов И. И.', email: 'chair@example.org', role: 'chair', lang: 'ru' },
      { id: 'sec', name: 'Петрова П. П.', email: 'sec@example.org', role: 'secretary', lang: 'ru' },
    ];
    for (let i = members.length; i < 1000; i++) members.push({ id: `v${i}`, name: `Участник ${i}`, email: `v${i}@example.org`, role: 'member', lang: 'ru' });
    const w = await world({ members });
    const choices: Choice[] = ['for', 'against', 'abstain'];
    const ballotOf = (i: number): Record<string, Choice> => ({ i1: choices[i % 3]!, i2: choices[(i * 5 + 1) % 3]!, i3: choices[(i * i) % 3]! });
    const viaLink = new Set(members.filter((_, i) => i % 5 === 0).map((m) => m.id));
    const tokens = new Map(await Promise.all([...viaLink].map(async (id) => [id, await w.ballotOf(id)] as const)));
    const statuses = await Promise.all(
      members.map(async (m, i) => {
        const ballot = ballotOf(i);
        if (!viaLink.has(m.id)) {
          await w.store.ballots.castBallot('m', m.id, ballot, { revision: 1 });
          return 200;
        }
        const form = Object.fromEntries(Object.entries(ballot).map(([itemId, choice]) => [field(itemId), choice]));
        return (await actOnLink(w.deps, tokens.get(m.id)!, form, 'ru')).status;
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const box = await w.store.ballots.closeVoting('m');
    for (const { id: itemId } of ITEMS) {
      const expected = { for: 0, against: 0, abstain: 0 };
      members.forEach((_, i) => expected[ballotOf(i)[itemId]!]++);
      const counted = { for: 0, against: 0, abstain: 0 };
      members.forEach((m) => counted[box.votes[m.id]![itemId]!.choice]++);
      expect(counted, itemId).toEqual(expected);
    }
  }, 120_000);
});
