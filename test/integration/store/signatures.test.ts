import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/store/keys.ts';
import type { NewProtocolVersion } from '../../../functions/store/records.ts';
import { KvorumStore } from '../../../functions/store/store.ts';
import { DYNALITE_REGION, startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { deadlines, freshStore, group, newMeeting, refusal } from './fixtures.ts';

const hash = (n: number) => String(n).repeat(64).slice(0, 64);

const version = (h: string): NewProtocolVersion & { signerCount: number; signingDeadline: string } => ({
  hash: h,
  htmlKey: `meetings/m/protocol/v-${h}.html`,
  narrativeKey: `meetings/m/protocol/v-narrative-${h}.json`,
  narrativeSha256: h,
  editedBy: 'sec',
  signerCount: 0,
  signingDeadline: deadlines.signatures!,
});

/** A client on the same dynalite that counts requests by command and can fail the n-th write (a crash). */
function instrumentedClient(db: RunningDynalite) {
  const client = new DynamoDBClient({ endpoint: db.endpoint, region: DYNALITE_REGION, credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' }, maxAttempts: 1 });
  const counts = new Map<string, number>();
  let writesUntilCrash = Number.POSITIVE_INFINITY;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      if (/^(UpdateItem|PutItem|DeleteItem)Command$/.test(name) && writesUntilCrash-- <= 0) throw new Error('simulated crash');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countAndCrash' },
  );
  return {
    client,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => counts.clear(),
    crashAfterWrites: (n: number) => {
      writesUntilCrash = n;
    },
    heal: () => {
      writesUntilCrash = Number.POSITIVE_INFINITY;
    },
  };
}

describe('protocols: one item per signer, bound to the version hash (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());

  async function fixture(signers = ['chair', 'sec', 'm1', 'm2']) {
    const { store, clock, tableName } = await freshStore(db, '2026-03-11T08:00:00Z');
    await store.putGroup(group());
    await store.createMeeting(newMeeting('m'));
    const v1 = await store.protocols.saveVersion('m', 0, { ...version(hash(1)), signerCount: signers.length });
    await store.protocols.bindSigners('m', v1, signers);
    return { store, clock, tableName, v1, signers };
  }

  it('keeps only keys and hashes in DynamoDB: the header and its version copy hold no HTML or narrative', async () => {
    const { store, v1 } = await fixture();
    expect(v1).toMatchObject({ version: 1, hash: hash(1), signerCount: 4, signingDeadline: deadlines.signatures });
    const header = await store.table.get<Record<string, unknown>>(keys.protocolHeader('m'));
    expect(Object.keys(header ?? {}).sort()).toEqual(['createdAt', 'editedBy', 'hash', 'htmlKey', 'meetingId', 'narrativeKey', 'narrativeSha256', 'signedCount', 'signerCount', 'signingDeadline', 'version']);
    const [copy] = await store.protocols.listVersions('m');
    expect(Object.keys(copy ?? {}).sort()).toEqual(['createdAt', 'editedBy', 'hash', 'htmlKey', 'meetingId', 'narrativeKey', 'narrativeSha256', 'version']);
  });

  it('a signature is accepted only on the bound hash; a second one returns the first; a non-signer is refused', async () => {
    const { store } = await fixture();
    expect(await refusal(store.protocols.sign('m', 'm1', hash(9), 'L1'))).toBe('stale');
    const first = await store.protocols.sign('m', 'm1', hash(1), 'L1');
    expect(first).toMatchObject({ recorded: true, signature: { hash: hash(1), linkId: 'L1' } });
    expect(await store.protocols.sign('m', 'm1', hash(1), 'L2')).toEqual({ recorded: false, signature: first.signature, version: 1 });
    expect(await refusal(store.protocols.sign('m', 'outsider', hash(1), 'L3'))).toBe('not-a-signer');
    expect(await refusal(store.protocols.sign('no-such-meeting', 'm1', hash(1), 'L3'))).toBe('not-found');
    expect((await store.protocols.load('m'))?.protocol.signatures).toEqual({ m1: first.signature });
  });

  it('a new version re-binds every signer: older signatures are void, a signature on the superseded hash is refused', async () => {
    const { store, signers } = await fixture();
    await store.protocols.sign('m', 'm1', hash(1), 'L1');
    await store.protocols.sign('m', 'chair', hash(1), 'L2');
    expect(await refusal(store.protocols.saveVersion('m', 0, { ...version(hash(2)), signerCount: 4 }))).toBe('stale');
    const v2 = await store.protocols.saveVersion('m', 1, { ...version(hash(2)), signerCount: 4 });
    // Between the header write and the re-binding the old signatures no longer count.
    expect((await store.protocols.load('m'))?.protocol.signatures).toEqual({});
    expect(await store.protocols.bindSigners('m', v2, signers)).toEqual({ bound: 4, removed: 0 });
    expect(await refusal(store.protocols.sign('m', 'chair', hash(1), 'L2'))).toBe('stale');
    await store.protocols.sign('m', 'chair', hash(2), 'L3');
    const state = await store.protocols.load('m');
    expect(Object.keys(state?.protocol.signatures ?? {})).toEqual(['chair']);
    // The evidence of the voided signature stays on the item.
    expect(state?.signers.find((s) => s.memberId === 'chair')?.signedVersions?.map((s) => s.hash)).toEqual([hash(1), hash(2)]);
    expect((await store.protocols.listVersions('m')).map((v) => [v.version, v.hash])).toEqual([[1, hash(1)], [2, hash(2)]]);
    // A binding never goes back: re-binding to version 1 writes nothing.
    await store.protocols.bindSigners('m', { ...v2, version: 1, hash: hash(1) }, signers);
    expect((await store.protocols.load('m'))?.signers.every((s) => s.version === 2 && s.expectedHash === hash(2))).toBe(true);
  });

  it('members who no longer sign lose their item; dissents stay on re-binding; deadline and finalisation refuse everything', async () => {
    const { store, clock, v1 } = await fixture();
    await store.protocols.submitDissent('m', 'm1', 'Особое мнение: против п. 1', 'i1');
    expect(await refusal(store.protocols.submitDissent('m', 'outsider', 'x'))).toBe('not-a-signer');
    const v2 = await store.protocols.saveVersion('m', v1.version, { ...version(hash(2)), signerCount: 3 });
    expect(await store.protocols.bindSigners('m', v2, ['chair', 'sec', 'm1'])).toEqual({ bound: 3, removed: 1 });
    const state = await store.protocols.load('m');
    expect(state?.signers.map((s) => s.memberId).sort()).toEqual(['chair', 'm1', 'sec']);
    expect(state?.dissents).toEqual([{ memberId: 'm1', itemId: 'i1', text: 'Особое мнение: против п. 1', submittedAt: '2026-03-11T08:00:00.000Z' }]);
    const bundle = await store.loadMeetingBundle('m');
    expect(bundle?.dissents.map((d) => d.memberId)).toEqual(['m1']);
    expect(bundle?.protocol?.version).toBe(2);

    await store.protocols.sign('m', 'chair', hash(2), 'L');
    clock.set('2026-03-13T20:00:00Z'); // past the signing deadline
    expect(await refusal(store.protocols.sign('m', 'm1', hash(2), 'L'))).toBe('deadline-passed');
    expect(await refusal(store.protocols.submitDissent('m', 'm1', 'late'))).toBe('deadline-passed');

    // Only the version asked is sealed.
    expect(await refusal(store.protocols.finalise('m', 1))).toBe('stale');
    const final = await store.protocols.finalise('m', 2);
    expect(final.protocol.finalisedAt).toBe('2026-03-13T20:00:00.000Z');
    // Every item of the version is closed, signed ones too: no dissent lands after finalisation.
    expect(final.signers.filter((s) => s.closedAt).map((s) => s.memberId).sort()).toEqual(['chair', 'm1', 'sec']);
    clock.advance(1000);
    expect((await store.protocols.finalise('m', 2)).protocol.finalisedAt).toBe(final.protocol.finalisedAt);
    expect(await refusal(store.protocols.finalise('m', 1))).toBe('finalised');
    expect(await refusal(store.protocols.sign('m', 'm1', hash(2), 'L'))).toBe('finalised');
    expect(await refusal(store.protocols.saveVersion('m', 2, version(hash(3))))).toBe('finalised');
    expect(await refusal(store.protocols.submitDissent('m', 'm1', 'late'))).toBe('finalised');
    expect(Object.keys(final.protocol.signatures)).toEqual(['chair']);
  });

  it('1,000 concurrent signatures are all recorded and counted: exactly one is the last; completion, a Query over the signer items, agrees', async () => {
    const signers = Array.from({ length: 1000 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    const { store } = await fixture(signers);
    const last = signers[signers.length - 1]!;
    const signAndCount = async (id: string) => {
      const { recorded, version } = await store.protocols.sign('m', id, hash(1), `L-${id}`);
      return { recorded, last: await store.protocols.countSignature('m', version, hash(1)) };
    };
    const results = await Promise.all(signers.slice(0, -1).map(signAndCount));
    expect(results.every((r) => r.recorded && r.last === false)).toBe(true);
    expect(await store.protocols.signingComplete('m')).toBe(false);
    expect(await signAndCount(last)).toEqual({ recorded: true, last: true });
    const state = await store.protocols.load('m');
    expect(Object.keys(state?.protocol.signatures ?? {})).toHaveLength(1000);
    expect(state?.protocol.signedCount).toBe(1000);
    expect(await store.protocols.signingComplete('m')).toBe(true);
  }, 120_000);

  it('the count belongs to its version: a new version starts it at 0, a count for the version it replaced is refused', async () => {
    const { store, signers } = await fixture(['chair', 'sec']);
    await store.protocols.sign('m', 'chair', hash(1), 'L1');
    expect(await store.protocols.countSignature('m', 1, hash(1))).toBe(false);
    // The secretary's signature lands, then an edit makes version 2 before it is counted.
    await store.protocols.sign('m', 'sec', hash(1), 'L2');
    const v2 = await store.protocols.saveVersion('m', 1, { ...version(hash(2)), signerCount: 2 });
    await store.protocols.bindSigners('m', v2, signers);
    expect(await store.protocols.countSignature('m', 1, hash(1))).toBeNull();
    expect((await store.protocols.getHeader('m'))?.signedCount).toBe(0);
    for (const id of signers) await store.protocols.sign('m', id, hash(2), `L-${id}`);
    expect(await store.protocols.countSignature('m', 2, hash(2))).toBe(false);
    expect(await store.protocols.countSignature('m', 2, hash(2))).toBe(true);
    // Finalised: nothing more is counted.
    await store.protocols.finalise('m', 2);
    expect(await store.protocols.countSignature('m', 2, hash(2))).toBeNull();
  });

  it('a signature is one UpdateItem and its count another, whatever the number of signers; while signatures are missing, completion is one small Query', async () => {
    for (const size of [15, 300]) {
      const signers = Array.from({ length: size }, (_, i) => `p${i}`);
      const { tableName, store: setup } = await fixture(signers);
      const probe = instrumentedClient(db);
      const store = new KvorumStore({ client: probe.client, tableName, clock: setup.table.clock });
      const { version } = await store.protocols.sign('m', 'p1', hash(1), 'L');
      expect(await store.protocols.countSignature('m', version, hash(1))).toBe(false);
      expect(Object.fromEntries(probe.counts), `sign at ${size}`).toEqual({ UpdateItemCommand: 2 });
      probe.reset();
      expect(await store.protocols.signingComplete('m')).toBe(false);
      // It stops at the first unsigned signer: one small page, not the roster.
      expect(Object.fromEntries(probe.counts), `completion at ${size}`).toEqual({ QueryCommand: 1 });
      probe.client.destroy();
    }
  });

  it('finalises only the version asked: an edit between the closing and the seal is refused its seal, and the new version is signed anew', async () => {
    const { store, signers } = await fixture();
    for (const id of signers) await store.protocols.sign('m', id, hash(1), `L-${id}`);
    expect(await store.protocols.completion('m')).toMatchObject({ header: { version: 1 }, complete: true });
    // Version 1 was counted complete; the secretary's edit lands right before the header write.
    const update = store.table.update.bind(store.table);
    let edited = false;
    store.table.update = async (key, e, condition) => {
      if (key.sk === 'HEAD' && !edited && Object.values(e.params().ExpressionAttributeNames ?? {}).includes('finalisedAt')) {
        edited = true;
        const v2 = await store.protocols.saveVersion('m', 1, { ...version(hash(2)), signerCount: signers.length });
        await store.protocols.bindSigners('m', v2, signers);
      }
      return update(key, e, condition);
    };
    expect(await refusal(store.protocols.finalise('m', 1))).toBe('stale');
    expect(edited).toBe(true);
    const after = await store.protocols.load('m');
    expect(after?.protocol).toMatchObject({ version: 2, hash: hash(2), signatures: {} });
    expect(after?.protocol.finalisedAt).toBeUndefined();
    // The edit's binding reopened every item the refused finalisation had closed.
    expect(after?.signers.every((s) => s.version === 2 && !s.closedAt && !s.signature)).toBe(true);
    expect(await store.protocols.completion('m')).toMatchObject({ header: { version: 2 }, complete: false });

    for (const id of signers) await store.protocols.sign('m', id, hash(2), `L2-${id}`);
    const final = await store.protocols.finalise('m', 2);
    expect(final.protocol).toMatchObject({ version: 2, hash: hash(2) });
    expect(Object.values(final.protocol.signatures).map((sig) => sig.hash)).toEqual(signers.map(() => hash(2)));
  });

  it('finalising a version the header has moved past closes none of the items of the new version and seals nothing', async () => {
    const { store, signers } = await fixture();
    const v2 = await store.protocols.saveVersion('m', 1, { ...version(hash(2)), signerCount: signers.length });
    await store.protocols.bindSigners('m', v2, signers);
    // A finalisation of version 1 (counted before the edit) closes no item bound to version 2 and seals nothing.
    expect(await refusal(store.protocols.finalise('m', 1))).toBe('stale');
    expect((await store.protocols.load('m'))?.signers.some((s) => s.closedAt)).toBe(false);
    await store.protocols.sign('m', 'chair', hash(2), 'L');
    expect((await store.protocols.load('m'))?.protocol.signatures).toHaveProperty('chair');
  });

  it('a version made during signing carries its own deadline; binding gives it to every signer, keeping their signatures', async () => {
    const { store, signers } = await fixture();
    await store.protocols.sign('m', 'chair', hash(1), 'L');
    const later = '2026-03-18T19:59:59Z';
    expect(await store.protocols.setSigningDeadline('m', '2026-03-12T19:59:59Z')).toBe(false); // never shortened
    expect(await store.protocols.setSigningDeadline('m', later)).toBe(true);
    const header = (await store.protocols.getHeader('m'))!;
    expect(await store.protocols.bindSigners('m', header, signers)).toEqual({ bound: 4, removed: 0 });
    const state = await store.protocols.load('m');
    expect(state?.signers.every((s) => s.signingDeadline === later)).toBe(true);
    expect(Object.keys(state?.protocol.signatures ?? {})).toEqual(['chair']);
    const v2 = await store.protocols.saveVersion('m', 1, { ...version(hash(2)), signerCount: 4, signingDeadline: '2026-03-20T19:59:59Z' });
    expect(v2.signingDeadline).toBe('2026-03-20T19:59:59Z');
  });

  it('a re-run after a crash between writes completes: binding, then finalisation', async () => {
    const signers = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const { tableName, store: setup } = await fixture(signers);
    for (const id of signers) await setup.protocols.sign('m', id, hash(1), `L-${id}`);
    const probe = instrumentedClient(db);
    const store = new KvorumStore({ client: probe.client, tableName, clock: setup.table.clock });

    // Version 2 is saved, then the process dies after re-binding 7 of 40 signers.
    const v2 = await store.protocols.saveVersion('m', 1, { ...version(hash(2)), signerCount: 40 });
    // Dead right after the header write: every item still holds a signature on version 1, none counts.
    expect(await store.protocols.signingComplete('m')).toBe(false);
    probe.crashAfterWrites(7);
    await expect(store.protocols.bindSigners('m', v2, signers)).rejects.toThrow('simulated crash');
    probe.heal();
    // Not complete: the old signatures do not count for version 2, re-bound or not.
    expect(await store.protocols.signingComplete('m')).toBe(false);
    const rerun = await store.protocols.bindSigners('m', v2, signers);
    expect(rerun.bound).toBeLessThanOrEqual(40 - 7);
    expect(rerun.bound).toBeGreaterThan(0);
    expect((await store.protocols.load('m'))?.signers.every((s) => s.version === 2 && !s.signature)).toBe(true);

    for (const id of signers.slice(0, 30)) await store.protocols.sign('m', id, hash(2), `L2-${id}`);
    // Finalisation dies after closing 4 of the 40 items; the re-run finishes it.
    probe.crashAfterWrites(4);
    await expect(store.protocols.finalise('m', 2)).rejects.toThrow('simulated crash');
    probe.heal();
    expect((await store.protocols.getHeader('m'))?.finalisedAt).toBeUndefined();
    const final = await store.protocols.finalise('m', 2);
    expect(final.protocol.finalisedAt).toBeDefined();
    expect(final.signers.filter((s) => s.closedAt)).toHaveLength(40);
    expect(Object.keys(final.protocol.signatures)).toHaveLength(30);
    probe.client.destroy();
  });

  it('records the signed documents once; a second caller gets the first ones', async () => {
    const { store } = await fixture();
    const first = { pdfKey: 'a.pdf', pdfSha256: hash(1), htmlKey: 'a.html', htmlSha256: hash(2), sentAt: '2026-03-13T20:00:00Z' };
    expect(await store.protocols.recordSignedDocuments('m', first)).toEqual(first);
    expect(await store.protocols.recordSignedDocuments('m', { ...first, pdfKey: 'b.pdf' })).toEqual(first);
    expect((await store.protocols.getHeader('m'))?.signed).toEqual(first);
  });
});
