import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Group, Member } from '../../../functions/domain/types.ts';
import { marshall } from '../../../functions/store/attributes.ts';
import { keys } from '../../../functions/store/keys.ts';
import { KvorumStore } from '../../../functions/store/store.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { freshStore, group, newMeeting, refusal } from './fixtures.ts';

/**
 * Rosters as one item per member (functions/store/groups.ts): large rosters round-trip in order, a
 * replace is never seen half-done, a crashed replace is completed by repeating it, and two different
 * concurrent replaces cannot mix.
 */

function bigGroup(size: number, id = 'big', tag = 'a'): Group {
  const members: Member[] = Array.from({ length: size }, (_, i) => ({
    id: `m${String(i).padStart(5, '0')}`,
    name: `Член группы ${tag} ${i}`,
    email: `m${i}.${tag}@city.test`,
    role: i === 0 ? 'chair' : i === 1 ? 'secretary' : i === 2 ? 'deputy' : 'member',
    lang: i % 10 === 0 ? 'en' : 'ru',
    ...(i % 3 === 0 ? { position: `должность ${i}` } : {}),
  }));
  // Not in id order: the roster's own order must come back.
  members.reverse();
  return { ...group(id), members };
}

/** A client whose every command first passes through `hook` (to count, fail or hold commands). */
function instrumented(client: DynamoDBClient, hook: (name: string, input: any) => Promise<void> | void): DynamoDBClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: { constructor: { name: string }; input: unknown }, ...rest: unknown[]) => {
        await hook(command.constructor.name, command.input);
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
}

describe('GroupRepository: rosters of thousands, one item per member (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  const memberItems = async (store: { table: { queryPartition(pk: string, prefix?: string): Promise<unknown[]> } }, groupId: string) =>
    (await store.table.queryPartition(keys.group(groupId).pk, 'MEMBER#')).length;

  it('stores a 2,000-member roster and reads it back whole, in order, with no item holding the roster', async () => {
    const { store } = await freshStore(db);
    const big = bigGroup(2000);
    const saved = await store.putGroup(big);
    expect(saved).toMatchObject({ id: 'big', rosterRevision: 1, memberCount: 2000, meetingCounter: 0 });

    const read = await store.getGroup('big');
    expect(read?.members).toEqual(big.members);
    expect(read).toMatchObject({ rosterRevision: 1, memberCount: 2000, settings: big.settings, name: big.name, bodyName: big.bodyName });
    expect(await memberItems(store, 'big')).toBe(2000);

    const header = await store.table.get<Record<string, unknown>>(keys.group('big'));
    expect(header).not.toHaveProperty('members');
    expect(JSON.stringify(header).length).toBeLessThan(2000);
    expect((await store.listGroups()).map((g) => [g.id, g.members.length])).toEqual([['big', 2000]]);
  });

  it('reads the group item and one member in one BatchGetItem', async () => {
    const commands: string[] = [];
    const { store: plain, tableName, clock } = await freshStore(db);
    await plain.putGroup(bigGroup(50));
    const store = new KvorumStore({ client: instrumented(db.client, (name) => void commands.push(name)), tableName, clock });

    const found = await store.groups.getGroupHeaderAndMember('big', 'm00007');
    expect(commands).toEqual(['BatchGetItemCommand']);
    expect(found?.member).toMatchObject({ id: 'm00007', email: 'm7.a@city.test', role: 'member' });
    expect(found?.group).toMatchObject({ id: 'big', memberCount: 50, rosterRevision: 1 });
    expect(found?.group).not.toHaveProperty('members');
    expect((await store.groups.getGroupHeaderAndMember('big', 'nobody'))?.member).toBeNull();
    expect(await store.groups.getGroupHeaderAndMember('no-group', 'm00007')).toBeNull();
    expect(await store.groups.getMember('big', 'm00001')).toMatchObject({ role: 'secretary' });
  });

  it('replaces a roster: removed members go, new ones come, the order and the meeting counter are kept', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(bigGroup(300));
    await store.createMeeting(newMeeting('a', 'big'));
    const before = bigGroup(300).members;
    // Drop 100, keep 200 (one of them renamed), add 150 new, shuffled.
    const kept = before.slice(0, 200).map((m, i) => (i === 5 ? { ...m, name: 'Переименованный' } : m));
    const added = bigGroup(150, 'big', 'new').members.map((m) => ({ ...m, id: `n${m.id}`, role: 'member' as const }));
    const next = { ...group('big'), members: [...added.slice(0, 70), ...kept, ...added.slice(70)] };
    // The chair/secretary/deputy of bigGroup(300) are the last three: put them back.
    next.members.push(...before.slice(297));

    const saved = await store.putGroup(next);
    expect(saved).toMatchObject({ rosterRevision: 2, memberCount: next.members.length, meetingCounter: 1 });
    expect((await store.getGroup('big'))?.members).toEqual(next.members);
    expect(await memberItems(store, 'big')).toBe(next.members.length);
    expect(await store.groups.getMember('big', before[250]!.id)).toBeNull();
    expect((await store.createMeeting(newMeeting('b', 'big'))).number).toBe(2);

    // The same PUT again changes nothing but the settings it carries.
    const again = await store.putGroup({ ...next, settings: { ...next.settings, reminderHoursBefore: 48 } });
    expect(again.rosterRevision).toBe(2);
    expect((await store.getGroup('big'))?.settings.reminderHoursBefore).toBe(48);
  });

  it('a replace that crashes mid-write leaves the old roster whole; repeating the same PUT completes it', async () => {
    let batchWrites = 0;
    let failOn: number | null = null;
    let deletesFail = false;
    const client = instrumented(db.client, (name, input) => {
      if (name !== 'BatchWriteItemCommand') return;
      const deletes = Object.values(input.RequestItems as Record<string, { DeleteRequest?: unknown }[]>)[0]!.some((r) => r.DeleteRequest);
      if (deletes ? deletesFail : ++batchWrites === failOn) throw new Error('injected crash');
    });
    const { store } = await freshStore(db, undefined, { client });
    const old = bigGroup(600, 'big', 'old');
    await store.putGroup(old);
    const replacement = bigGroup(500, 'big', 'new');

    batchWrites = 0;
    failOn = 9; // 8 batches of 25 written, 12 to go
    await expect(store.putGroup(replacement)).rejects.toThrow('injected crash');
    expect((await store.getGroup('big'))?.members).toEqual(old.members);
    expect((await store.groups.getGroupHeaderAndMember('big', old.members[0]!.id))?.member).toEqual(old.members[0]);
    // Another roster cannot slip in while the crashed one holds the claim.
    expect(await refusal(store.putGroup(bigGroup(10, 'big', 'other')))).toBe('roster-conflict');

    failOn = null;
    batchWrites = 0;
    const done = await store.putGroup(replacement);
    expect(done).toMatchObject({ rosterRevision: 2, memberCount: 500 });
    expect(batchWrites).toBeLessThan(20); // what the crashed attempt wrote is not written again
    expect((await store.getGroup('big'))?.members).toEqual(replacement.members);
    expect(await memberItems(store, 'big')).toBe(500);

    // A crash after the commit, while removing leftovers: readers already see the new roster.
    const smaller = bigGroup(400, 'big', 'third');
    deletesFail = true;
    await expect(store.putGroup(smaller)).rejects.toThrow('injected crash');
    expect((await store.getGroup('big'))?.members).toEqual(smaller.members);
    expect(await memberItems(store, 'big')).toBe(500);
    deletesFail = false;
    expect((await store.putGroup(smaller)).rosterRevision).toBe(3);
    expect(await memberItems(store, 'big')).toBe(400);
  });

  it('concurrent replaces with different rosters: one wins, the other is refused, nothing mixes', async () => {
    let release!: () => void;
    let reached!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const writing = new Promise<void>((resolve) => (reached = resolve));
    let hold = false;
    const client = instrumented(db.client, async (name) => {
      if (hold && name === 'BatchWriteItemCommand') {
        reached();
        await held;
      }
    });
    const { store, clock, tableName } = await freshStore(db, undefined, { client, staleClaimMs: 60_000 });
    await store.putGroup(bigGroup(100, 'big', 'v1'));

    hold = true;
    const first = store.putGroup(bigGroup(120, 'big', 'v2'));
    await writing; // the first has claimed the next revision and waits in its member writes
    hold = false;
    expect(await refusal(store.putGroup(bigGroup(80, 'big', 'v3')))).toBe('roster-conflict');
    release();
    await first;
    expect((await store.getGroup('big'))?.members).toEqual(bigGroup(120, 'big', 'v2').members);

    // The same roster twice at once is one change, not a conflict.
    const same = bigGroup(90, 'big', 'v4');
    const both = await Promise.all([store.putGroup(same), store.putGroup(same)]);
    expect(both.map((g) => g.rosterRevision)).toEqual([3, 3]);
    expect((await store.getGroup('big'))?.members).toEqual(same.members);
    expect(await memberItems(store, 'big')).toBe(90);

    // A claim abandoned longer than staleClaimMs may be taken over by another roster.
    const crashing = new KvorumStore({
      client: instrumented(db.client, (name) => {
        if (name === 'BatchWriteItemCommand') throw new Error('injected crash');
      }),
      tableName,
      clock,
    });
    await expect(crashing.putGroup(bigGroup(70, 'big', 'v5'))).rejects.toThrow('injected crash');
    expect(await refusal(store.putGroup(bigGroup(60, 'big', 'v6')))).toBe('roster-conflict');
    clock.advance(61_000);
    expect((await store.putGroup(bigGroup(60, 'big', 'v6'))).rosterRevision).toBe(4);
    expect((await store.getGroup('big'))?.members).toEqual(bigGroup(60, 'big', 'v6').members);
    expect(await memberItems(store, 'big')).toBe(60);
  });

  it('a member item gone missing is an error, never a smaller roster', async () => {
    const { store } = await freshStore(db);
    await store.putGroup(bigGroup(30));
    await db.client.send(new DeleteItemCommand({ TableName: store.table.tableName, Key: marshall(keys.member('big', 'm00010')) }));
    expect(await refusal(store.getGroup('big'))).toBe('roster-incomplete');
    // Repeating the roster PUT repairs it.
    await store.putGroup({ ...bigGroup(30), settings: { ...bigGroup(30).settings, voteReceipts: true } });
    expect((await store.getGroup('big'))?.members).toEqual(bigGroup(30).members);
  });

  it('reads a group stored with its roster inside the group item, and moves it to member items on the next PUT', async () => {
    const { store, tableName } = await freshStore(db);
    const legacy = group('old');
    await db.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall({
          ...keys.group('old'),
          id: 'old',
          bodyName: legacy.bodyName,
          name: legacy.name,
          settings: { timeZone: 'Europe/Astrakhan', proposalsCloseDaysBefore: 5, approvalDaysBefore: 4, noticeDaysBefore: 3, voteDurationMinutes: 120, signatureWorkingDays: 3, reminderHoursBefore: 24 },
          members: legacy.members,
          meetingCounter: 4,
          createdAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-01-01T00:00:00.000Z',
          gsi1pk: 'GROUPS',
          gsi1sk: 'GROUP#old',
        }),
      }),
    );
    const read = await store.getGroup('old');
    expect(read?.members).toEqual(legacy.members);
    expect(read).toMatchObject({ rosterRevision: 0, memberCount: 4, meetingCounter: 4 });
    expect(read?.settings).toMatchObject({ sendRatePerSecond: 14, attachPdfMaxBytes: 2 * 1024 * 1024, voteReceipts: false });
    expect((await store.groups.getGroupHeaderAndMember('old', 'm2'))?.member).toMatchObject({ name: 'Smith J.' });
    expect((await store.listGroups()).map((g) => g.members.length)).toEqual([4]);

    const changed = { ...legacy, members: [...legacy.members, { id: 'm3', name: 'Новый Н. Н.', email: 'm3@example.org', role: 'member' as const, lang: 'ru' as const }] };
    expect(await store.putGroup(changed)).toMatchObject({ rosterRevision: 1, memberCount: 5, meetingCounter: 4 });
    expect((await store.getGroup('old'))?.members).toEqual(changed.members);
    expect(await store.table.get<Record<string, unknown>>(keys.group('old'))).not.toHaveProperty('members');
  });
});
