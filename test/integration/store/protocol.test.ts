import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolBody } from '../../../functions/store/records.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { deadlines, freshStore, group, newMeeting, refusal } from './fixtures.ts';

const body = (hash: string, heard = 'Доклад'): ProtocolBody => ({
  hash,
  html: `<p>${heard}</p>`,
  narrative: { i1: { heard, spoke: 'Сидоров С. С.' } },
  editedBy: 'sec',
});

describe('KvorumStore: written opinions, protocol, signatures, dissents (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  it('п. 2.7: accepts opinions up to the deadline second and refuses them after it, in the write', async () => {
    const { store, clock } = await freshStore(db, '2026-03-09T10:00:00Z');
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    await store.submitOpinion('m', { memberId: 'm2', itemId: 'i1', text: 'Первое' });
    clock.set('2026-03-09T19:59:59.900Z'); // still within 23:59:59 Astrakhan
    await store.submitOpinion('m', { memberId: 'm2', itemId: 'i1', text: 'Уточнённое' });
    clock.set('2026-03-09T20:00:00Z');
    expect(await refusal(store.submitOpinion('m', { memberId: 'm2', itemId: 'i2', text: 'Late' }))).toBe('deadline-passed');
    // A member whose box did not exist yet is refused too.
    expect(await refusal(store.submitOpinion('m', { memberId: 'm1', itemId: 'i1', text: 'Late' }))).toBe('deadline-passed');
    const opinions = await store.listOpinions('m');
    expect(opinions).toEqual([
      { memberId: 'm2', itemId: 'i1', text: 'Уточнённое', submittedAt: '2026-03-09T19:59:59.900Z', inTime: true },
    ]);
  });

  it('moving the meeting moves the opinion deadline of open boxes', async () => {
    const { store, clock } = await freshStore(db, '2026-03-08T10:00:00Z');
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    await store.openOpinionBox('m', 'm2');
    await store.moveMeeting('m', 1, {
      date: '2026-03-17', time: '10:00', timeZone: 'Europe/Astrakhan', startsAt: '2026-03-17T06:00:00Z',
      deadlines: { ...deadlines, opinions: '2026-03-16T19:59:59Z' },
    });
    clock.set('2026-03-12T10:00:00Z');
    await store.submitOpinion('m', { memberId: 'm2', itemId: 'i1', text: 'После переноса' });
    expect((await store.listOpinions('m')).map((o) => o.text)).toEqual(['После переноса']);
  });

  async function protocolFixture() {
    const { store, clock } = await freshStore(db, '2026-03-11T08:00:00Z');
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    const v1 = await store.saveProtocolVersion('m', 0, body('hash-1'));
    return { store, clock, v1 };
  }

  it('signatures: only on the current version and hash; the same version twice is a no-op', async () => {
    const { store, v1 } = await protocolFixture();
    expect(v1).toMatchObject({ version: 1, hash: 'hash-1', signatures: {}, dissents: {}, signingDeadline: deadlines.signatures });
    expect(await refusal(store.signProtocol('m', 'm1', 1, 'hash-forged', 'L1'))).toBe('stale');
    expect(await refusal(store.signProtocol('m', 'm1', 2, 'hash-1', 'L1'))).toBe('stale');
    const sig = await store.signProtocol('m', 'm1', 1, 'hash-1', 'L1');
    expect(sig).toMatchObject({ hash: 'hash-1', linkId: 'L1' });
    expect(await store.signProtocol('m', 'm1', 1, 'hash-1', 'L2')).toEqual(sig);
    expect((await store.getProtocol('m'))?.signatures).toEqual({ m1: sig });
  });

  it('an edit makes a new version, voids every signature and keeps old versions immutable', async () => {
    const { store } = await protocolFixture();
    await store.signProtocol('m', 'm1', 1, 'hash-1', 'L1');
    await store.signProtocol('m', 'chair', 1, 'hash-1', 'L2');
    expect(await refusal(store.saveProtocolVersion('m', 0, body('hash-x')))).toBe('stale');
    const v2 = await store.saveProtocolVersion('m', 1, body('hash-2', 'Доклад (исправлен)'));
    expect(v2).toMatchObject({ version: 2, hash: 'hash-2', signatures: {} });
    // A signature prepared on version 1 arrives late.
    expect(await refusal(store.signProtocol('m', 'chair', 1, 'hash-1', 'L2'))).toBe('stale');
    await store.signProtocol('m', 'chair', 2, 'hash-2', 'L3');
    const versions = await store.listProtocolVersions('m');
    expect(versions.map((v) => [v.version, v.hash, v.narrative.i1?.heard])).toEqual([
      [1, 'hash-1', 'Доклад'],
      [2, 'hash-2', 'Доклад (исправлен)'],
    ]);
    expect(versions[0]).not.toHaveProperty('signatures');
    expect(Object.keys((await store.getProtocol('m'))?.signatures ?? {})).toEqual(['chair']);
  });

  it('dissents until signing ends; nothing is signed, edited or added after finalisation or the deadline', async () => {
    const { store, clock } = await protocolFixture();
    await store.submitDissent('m', 'm1', 'Особое мнение: против п. 1');
    await store.saveProtocolVersion('m', 1, body('hash-2'));
    expect((await store.getProtocol('m'))?.dissents.m1?.text).toBe('Особое мнение: против п. 1');
    const bundle = await store.loadMeetingBundle('m');
    expect(bundle?.dissents.map((d) => d.memberId)).toEqual(['m1']);
    expect(bundle?.protocol?.version).toBe(2);

    clock.set('2026-03-13T20:00:00Z'); // past the signing deadline
    expect(await refusal(store.signProtocol('m', 'm2', 2, 'hash-2', 'L'))).toBe('deadline-passed');
    expect(await refusal(store.submitDissent('m', 'm2', 'late'))).toBe('deadline-passed');

    const final = await store.finaliseProtocol('m');
    expect(final.finalisedAt).toBe('2026-03-13T20:00:00.000Z');
    clock.advance(1000);
    expect((await store.finaliseProtocol('m')).finalisedAt).toBe(final.finalisedAt);
    expect(await refusal(store.signProtocol('m', 'm2', 2, 'hash-2', 'L'))).toBe('finalised');
    expect(await refusal(store.saveProtocolVersion('m', 2, body('hash-3')))).toBe('finalised');
    expect(await refusal(store.submitDissent('m', 'm2', 'late'))).toBe('finalised');
  });
});
