import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvorumStore } from '../../../functions/store/store.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { freshStore, refusal } from './fixtures.ts';

describe('KvorumStore: links, sent e-mails, idempotency, audit (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  const link = (id: string, memberId = 'm1', purpose = 'vote') => ({
    id, meetingId: 'm', memberId, purpose, expiresAt: '2026-03-10T08:00:00Z', revision: 1,
  });

  it('links: unique ids, one-shot use, revocation, expiry', async () => {
    const { store, clock } = await freshStore(db, '2026-03-09T10:00:00Z');
    await store.putLink(link('L1'));
    expect(await refusal(store.putLink(link('L1', 'm2')))).toBe('exists');
    expect((await store.getLink('L1'))?.memberId).toBe('m1');

    const used = await store.markLinkUsed('L1');
    expect(used.usedAt).toBe('2026-03-09T10:00:00.000Z');
    expect(await refusal(store.markLinkUsed('L1'))).toBe('already-used');

    await store.putLink(link('L2'));
    expect(await store.revokeLink('L2')).toBe(true);
    expect(await refusal(store.markLinkUsed('L2'))).toBe('revoked');
    expect(await store.revokeLink('nope')).toBe(false);
    expect(await refusal(store.markLinkUsed('nope'))).toBe('not-found');

    await store.putLink(link('L3'));
    clock.set('2026-03-10T08:00:01Z');
    expect(await refusal(store.markLinkUsed('L3'))).toBe('expired');
  });

  it('revokes the links of a meeting, optionally of one purpose', async () => {
    const { store } = await freshStore(db);
    await store.putLink(link('a', 'm1', 'vote'));
    await store.putLink(link('b', 'm2', 'vote'));
    await store.putLink(link('c', 'm2', 'sign'));
    await store.putLink({ ...link('other'), meetingId: 'another' });
    expect((await store.listLinksForMeeting('m', 'm2')).map((l) => l.id).sort()).toEqual(['b', 'c']);
    expect(await store.revokeLinksForMeeting('m', { purpose: 'vote' })).toBe(2);
    expect((await store.getLink('c'))?.revokedAt).toBeUndefined();
    expect(await store.revokeLinksForMeeting('m')).toBe(1);
    expect(await store.revokeLinksForMeeting('m')).toBe(0);
    expect((await store.getLink('other'))?.revokedAt).toBeUndefined();
  });

  it('claimSend: the second claim loses; release lets a retry claim; a sent record is never released', async () => {
    const { store } = await freshStore(db);
    const meta = { meetingId: 'm', purpose: 'notice', recipient: 'm1' };
    expect(await store.claimSend('k1', meta)).toBe(true);
    expect(await store.claimSend('k1', meta)).toBe(false);
    await store.releaseSend('k1');
    expect(await store.claimSend('k1', meta)).toBe(true);
    await store.markSent('k1', 'ses-123');
    expect(await store.getSend('k1')).toMatchObject({ state: 'sent', messageId: 'ses-123', meta });
    await store.releaseSend('k1');
    expect(await store.claimSend('k1', meta)).toBe(false);
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimSend('k2', meta)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('an abandoned claim (older than staleClaimMs, never sent) may be claimed again; a sent one never', async () => {
    const { store, clock } = await freshStore(db, '2026-03-01T08:00:00Z', { staleClaimMs: 60_000 });
    expect(await store.claimSend('k', {})).toBe(true);
    expect(await store.claimSend('sent', {})).toBe(true);
    await store.markSent('sent', 'id');
    clock.advance(30_000);
    expect(await store.claimSend('k', {})).toBe(false);
    clock.advance(31_000);
    expect(await store.claimSend('k', {})).toBe(true);
    expect(await store.claimSend('sent', {})).toBe(false);
  });

  it('runOnce runs a task once, returns its stored result later, and releases the key on failure', async () => {
    const { store } = await freshStore(db);
    let runs = 0;
    const task = async () => ({ count: ++runs });
    expect(await store.runOnce('t', task)).toEqual({ ran: true, result: { count: 1 } });
    expect(await store.runOnce('t', task)).toEqual({ ran: false, result: { count: 1 } });
    expect(runs).toBe(1);
    await expect(store.runOnce('f', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await store.runOnce('f', async () => 'ok')).toEqual({ ran: true, result: 'ok' });
    expect(await store.claimIdempotencyKey('c')).toBe(true);
    expect(await store.claimIdempotencyKey('c')).toBe(false);
  });

  it('audit: time-ordered, in write order within one instant, and a key collision never overwrites an entry', async () => {
    const suffixes = ['aaa', 'aaa', 'bbb'];
    const randomSuffix = () => suffixes.shift() ?? 'zzz';
    const { store, clock, tableName } = await freshStore(db, '2026-03-01T08:00:00Z', { randomSuffix });
    // A second writer (another Lambda container) on the same table with the same sequence and suffix.
    const other = new KvorumStore({ client: db.client, tableName, clock, randomSuffix });
    const first = await store.appendAudit('m', { actor: 'chair', action: 'convene', detail: { date: '2026-03-10' } });
    const second = await other.appendAudit('m', { actor: 'sec', action: 'agenda-submitted' }); // same key first, then retried
    expect(first.id).toBe('2026-03-01T08:00:00.000Z#000001aaa');
    expect(second.id).toBe('2026-03-01T08:00:00.000Z#000002bbb');
    await store.appendAudit('m', { actor: 'chair', action: 'same-instant-later' });
    clock.advance(1);
    await store.appendAudit('m', { actor: 'chair', action: 'agenda-approved' });
    const log = await store.listAudit('m');
    expect(log.map((e) => e.action)).toEqual(['convene', 'agenda-submitted', 'same-instant-later', 'agenda-approved']);
    expect(log[0]).toEqual(first);
    expect(await store.listAudit('other')).toEqual([]);
  });

  it('audit: concurrent appends at one instant all survive', async () => {
    const { store } = await freshStore(db);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendAudit('m', { actor: 'system', action: `a${i}` })));
    const log = await store.listAudit('m');
    expect(new Set(log.map((e) => e.action)).size).toBe(20);
  });
});
