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
    await store.links.put(link('L1'));
    expect(await refusal(store.links.put(link('L1', 'm2')))).toBe('exists');
    expect((await store.links.get('L1'))?.memberId).toBe('m1');

    const used = await store.links.markUsed('L1');
    expect(used.usedAt).toBe('2026-03-09T10:00:00.000Z');
    expect(await refusal(store.links.markUsed('L1'))).toBe('already-used');

    await store.links.put(link('L2'));
    expect(await store.links.revoke('L2')).toBe(true);
    expect(await refusal(store.links.markUsed('L2'))).toBe('revoked');
    expect(await store.links.revoke('nope')).toBe(false);
    expect(await refusal(store.links.markUsed('nope'))).toBe('not-found');

    await store.links.put(link('L3'));
    clock.set('2026-03-10T08:00:01Z');
    expect(await refusal(store.links.markUsed('L3'))).toBe('expired');
  });

  it('revokes the links of a meeting, optionally of one purpose', async () => {
    const { store } = await freshStore(db);
    await store.links.put(link('a', 'm1', 'vote'));
    await store.links.put(link('b', 'm2', 'vote'));
    await store.links.put(link('c', 'm2', 'sign'));
    await store.links.put({ ...link('other'), meetingId: 'another' });
    expect((await store.links.listForMeeting('m', 'm2')).map((l) => l.id).sort()).toEqual(['b', 'c']);
    expect(await store.links.revokeForMeeting('m', { purpose: 'vote' })).toBe(2);
    expect((await store.links.get('c'))?.revokedAt).toBeUndefined();
    expect(await store.links.revokeForMeeting('m')).toBe(1);
    expect(await store.links.revokeForMeeting('m')).toBe(0);
    expect((await store.links.get('other'))?.revokedAt).toBeUndefined();
  });

  it('mail ledger: one lease at a time; a sent e-mail is never claimed again', async () => {
    const { store } = await freshStore(db);
    const meta = { meetingId: 'm', purpose: 'notice', recipient: 'm1' };
    expect(await store.mail.claim('k1', meta, 60_000)).toEqual({ kind: 'claimed', attempt: 1 });
    expect(await store.mail.claim('k1', meta, 60_000)).toEqual({ kind: 'leased', until: '2026-03-01T08:01:00.000Z' });
    await store.mail.markSent('k1', 'ses-123');
    expect(await store.mail.get('k1')).toMatchObject({ state: 'sent', messageId: 'ses-123', meta, attempts: 1 });
    expect(await store.mail.claim('k1', meta, 60_000)).toEqual({ kind: 'sent', messageId: 'ses-123' });
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.mail.claim('k2', meta, 60_000)));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'leased')).toHaveLength(7);
  });

  it('a clean refusal ends the lease at once; an unknown outcome keeps it until it expires', async () => {
    const { store, clock } = await freshStore(db, '2026-03-01T08:00:00Z');
    expect(await store.mail.claim('refused', {}, 60_000)).toEqual({ kind: 'claimed', attempt: 1 });
    await store.mail.release('refused', 1, 'MessageRejected: no');
    expect(await store.mail.claim('refused', {}, 60_000)).toEqual({ kind: 'claimed', attempt: 2 });
    expect(await store.mail.get('refused')).toMatchObject({ lastOutcome: 'refused', lastError: 'MessageRejected: no' });

    expect(await store.mail.claim('unknown', {}, 60_000)).toEqual({ kind: 'claimed', attempt: 1 });
    await store.mail.markUnknown('unknown', 1, 'TimeoutError');
    clock.advance(59_999);
    expect((await store.mail.claim('unknown', {}, 60_000)).kind).toBe('leased');
    clock.advance(1);
    expect(await store.mail.claim('unknown', {}, 60_000)).toEqual({ kind: 'claimed', attempt: 2 });
    // A stale attempt's late outcome does not touch the lease of the attempt that took over.
    await store.mail.release('unknown', 1, 'late refusal of attempt 1');
    expect((await store.mail.claim('unknown', {}, 60_000)).kind).toBe('leased');
    // Nor does anything undo a sent record.
    await store.mail.markSent('unknown', 'ses-9');
    await store.mail.release('unknown', 2, 'x');
    await store.mail.markUnknown('unknown', 2, 'x');
    clock.advance(120_000);
    expect(await store.mail.claim('unknown', {}, 60_000)).toEqual({ kind: 'sent', messageId: 'ses-9' });
  });

  it('a record of the old shape (claimed, never sent, no lease) is an unknown outcome: it is sent again', async () => {
    const { store } = await freshStore(db);
    await store.table.putNew({ pk: 'SEND#old', sk: 'SEND', key: 'old', state: 'claimed', meta: {}, claimedAt: '2026-02-01T00:00:00Z' });
    expect(await store.mail.claim('old', {}, 60_000)).toEqual({ kind: 'claimed', attempt: 1 });
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
