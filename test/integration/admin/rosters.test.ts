/**
 * Issue 9 §3: rosters of thousands through the admin API. The group routes take bodies up to 2 MB and
 * rosters up to 5,000 members; over either limit the request gets a clear 413/422 in both languages
 * and nothing is stored. Two different roster PUTs at once cannot mix: one of them gets a 409.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDeps } from '../../../functions/app/deps.ts';
import type { Member } from '../../../functions/domain/types.ts';
import { KvorumStore } from '../../../functions/store/store.ts';
import { as, call, GROUP_BODY, roster, startAdminWorld, type AdminWorld } from './support.ts';

let world: AdminWorld;

beforeAll(async () => {
  world = await startAdminWorld('2026-03-02T07:00:00Z');
});
afterAll(async () => {
  await world?.stop();
});

/** The six people of support.ts roster() (chair, deputy, secretary…) and `size - 6` more members. */
function rosterOf(size: number, tag = 'a'): Member[] {
  const members = roster();
  for (let i = 1; members.length < size; i++) {
    members.push({ id: `${tag}${i}`, name: `Участник ${tag} ${i}`, email: `${tag}${i}@city.test`, role: 'member', lang: i % 7 === 0 ? 'en' : 'ru' });
  }
  return members;
}

const SETTINGS = { sendRatePerSecond: 5, attachPdfMaxBytes: 0, voteReceipts: true };

describe('rosters of thousands', () => {
  it('creates a 2,000-member group and replaces its roster, settings included', async () => {
    const members = rosterOf(2000);
    const body = { ...GROUP_BODY, members, settings: SETTINGS };
    expect(JSON.stringify(body).length).toBeGreaterThan(64 * 1024);
    const created = await call('POST', '/groups', { claims: as.secretary, body });
    expect(created.status).toBe(201);
    expect(created.json.group).toMatchObject({ memberCount: 2000, rosterRevision: 1, settings: SETTINGS });
    const id = created.json.group.id as string;

    const read = await call('GET', `/groups/${id}`, { claims: as.chair });
    expect(read.status).toBe(200);
    expect(read.json.group.members).toEqual(members);
    expect(read.json.group.settings).toMatchObject(SETTINGS);

    const next = [...rosterOf(2500, 'b').slice(0, 2400), ...members.slice(6, 106)];
    const settings = { sendRatePerSecond: 20, attachPdfMaxBytes: 1_000_000, voteReceipts: false };
    const updated = await call('PUT', `/groups/${id}`, { claims: as.secretary, body: { ...GROUP_BODY, members: next, settings } });
    expect(updated.status).toBe(200);
    expect(updated.json.group).toMatchObject({ memberCount: 2500, rosterRevision: 2, settings });
    const stored = await world.store.getGroup(id);
    expect(stored?.members).toEqual(next);
    expect(await world.store.groups.getMember(id, 'a500')).toBeNull();
  });

  it('refuses a roster over 5,000 members with 422 naming the limit, and stores nothing', async () => {
    const groups = (await world.store.listGroups()).length;
    const tooMany = await call('POST', '/groups', { claims: as.chair, body: { ...GROUP_BODY, members: rosterOf(5001) } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.json.error).toBe('roster-too-large');
    expect(tooMany.json.message.ru).toContain('не более 5000');
    expect(tooMany.json.message.en).toContain('at most 5000');
    expect((await world.store.listGroups()).length).toBe(groups);

    const created = await call('POST', '/groups', { claims: as.chair, body: GROUP_BODY });
    const id = created.json.group.id as string;
    const refused = await call('PUT', `/groups/${id}`, { claims: as.chair, body: { ...GROUP_BODY, members: rosterOf(5001) } });
    expect(refused.status).toBe(422);
    expect((await world.store.getGroup(id))?.members).toEqual(roster());

    // A roster of thousands with a few bad entries: each listed, nothing changed.
    const bad = rosterOf(3000).map((m, i) => (i === 100 || i === 2000 ? { ...m, email: 'not-an-address' } : m));
    const invalid = await call('PUT', `/groups/${id}`, { claims: as.chair, body: { ...GROUP_BODY, members: bad } });
    expect(invalid.status).toBe(422);
    expect(invalid.json.details.map((d: { field: string }) => d.field)).toEqual(['members[100].email', 'members[2000].email']);
    expect(await world.store.getGroup(id)).toMatchObject({ rosterRevision: 1, memberCount: roster().length });
  });

  it('answers 413 with both limits to a group body over 2 MB; other routes keep 64 KB', async () => {
    const groups = (await world.store.listGroups()).length;
    const padded = rosterOf(10).map((m) => ({ ...m, position: 'д'.repeat(150) }));
    const huge = { ...GROUP_BODY, members: Array.from({ length: 8000 }, (_, i) => ({ ...padded[i % 10]!, id: `x${i}`, email: `x${i}@city.test` })) };
    expect(Buffer.byteLength(JSON.stringify(huge))).toBeGreaterThan(2 * 1024 * 1024);
    const reply = await call('POST', '/groups', { claims: as.chair, body: huge });
    expect(reply.status).toBe(413);
    expect(reply.json.error).toBe('payload-too-large');
    expect(reply.json.message.ru).toContain('2 МБ');
    expect(reply.json.message.en).toContain('5000 members');
    expect((await world.store.listGroups()).length).toBe(groups);

    const meetingRoute = await call('POST', '/groups/whatever/meetings', { claims: as.chair, body: { title: 'x'.repeat(70 * 1024) } });
    expect(meetingRoute.status).toBe(413);
    expect(meetingRoute.json.message.en).toContain(`${64 * 1024} bytes`);
  });

  it('two different roster PUTs at once: one is stored, the other gets 409 and changes nothing', async () => {
    const created = await call('POST', '/groups', { claims: as.secretary, body: { ...GROUP_BODY, members: rosterOf(300) } });
    const id = created.json.group.id as string;

    // The first PUT is held inside its member writes (after it claimed the next roster revision).
    let release!: () => void;
    let reached!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const writing = new Promise<void>((resolve) => (reached = resolve));
    const client = new Proxy(world.db.client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: { constructor: { name: string } }) => {
          if (command.constructor.name === 'BatchWriteItemCommand') {
            reached();
            await held;
          }
          return target.send(command as never);
        };
      },
    }) as DynamoDBClient;
    const store = new KvorumStore({ client, tableName: world.store.table.tableName, clock: world.clock });
    setDeps({ ...world.deps, store });
    const first = call('PUT', `/groups/${id}`, { claims: as.secretary, body: { ...GROUP_BODY, members: rosterOf(400, 'c') } });
    await writing;
    setDeps(world.deps);

    const second = await call('PUT', `/groups/${id}`, { claims: as.chair, body: { ...GROUP_BODY, members: rosterOf(350, 'd') } });
    expect(second.status).toBe(409);
    expect(second.json.error).toBe('roster-conflict');
    expect(second.json.message.ru).toMatch(/другой запрос/);
    // Meanwhile readers see the roster before either PUT.
    expect((await world.store.getGroup(id))?.members).toEqual(rosterOf(300));

    release();
    expect((await first).status).toBe(200);
    expect((await world.store.getGroup(id))?.members).toEqual(rosterOf(400, 'c'));
  });
});
