import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkKeyring } from '../../functions/links/tokens.ts';
import { startHarness, type Harness } from './harness.ts';
import { linkFrom, runToSigning, state, team } from './fixtures.ts';

/**
 * Issue 10 §6 and §7: opening the signing page writes nothing (the dissent link was issued with the
 * signing links), a dissent link the secretary revoked stays revoked, and the e-mailed links survive a
 * rotation of the link-signing secret (a keyring of the current and the previous secret).
 */
describe('the signing page only reads; links survive a secret rotation', () => {
  let h: Harness;
  const A = 'link-secret-A-0123456789abcdef0123456789abcdef';
  const B = 'link-secret-B-0123456789abcdef0123456789abcdef';
  const C = 'link-secret-C-0123456789abcdef0123456789abcdef';
  let keyring: LinkKeyring = { current: A };
  const g = team('rotation.test');
  let id: string;
  let signLink: string;
  const dissentLinkOn = (page: string) => /href="([^"]+\/l\/[^"]+)"[^>]*>Приложить к протоколу особое мнение/.exec(page)?.[1];
  const links = async () => JSON.stringify(await h.system.deps.store.links.listForMeeting(id));

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z', { linkSecret: () => keyring });
    ({ id } = await runToSigning(h, g, { date: '2026-03-12', proposalsClose: '2026-03-07', title: 'Ротация' }));
    signLink = await linkFrom(h, g.email('m1'), /подпис/i);
  }, 120_000);
  afterAll(() => h?.stop());

  it('opens the signing page twice: the dissent link issued with the signing links is offered, and nothing is written', async () => {
    const [linksBefore, stateBefore] = [await links(), await state(h, id, g.secretary)];
    const first = await h.get(signLink);
    expect(first.status).toBe(200);
    expect(dissentLinkOn(first.text)).toBeDefined();
    expect((await h.get(signLink)).status).toBe(200);
    expect(await links()).toBe(linksBefore);
    expect(await state(h, id, g.secretary)).toBe(stateBefore);
  });

  it('a dissent link the secretary revoked stays revoked: not offered, not issued again by a GET', async () => {
    const dissent = dissentLinkOn((await h.get(signLink)).text)!;
    const revoke = await h.admin('POST', `/admin/meetings/${id}/links/revoke`, { memberId: 'm1', purpose: 'dissent' }, g.secretary);
    expect(revoke.status).toBe(200);
    const linksAfterRevoke = await links();
    const page = await h.get(signLink);
    expect(page.status).toBe(200);
    expect(dissentLinkOn(page.text)).toBeUndefined();
    expect(await links()).toBe(linksAfterRevoke);
    const dissentLinks = (await h.system.deps.store.links.listForMeeting(id, 'm1')).filter((l) => l.purpose === 'dissent');
    expect(dissentLinks).toHaveLength(1);
    expect(dissentLinks[0]!.revokedAt).toBeDefined();
    expect((await h.get(dissent)).status).toBe(410);
  });

  it('keeps an e-mailed link working after one rotation, and issues the same link (same id) signed with the new secret', async () => {
    keyring = { current: B, previous: A };
    expect((await h.get(signLink)).status).toBe(200);
    const { issueLink } = await import('../../functions/app/links.ts');
    const meetingRecord = (await h.system.deps.store.getMeeting(id))!;
    const link = (await h.system.deps.store.links.listForMeeting(id, 'm2')).find((l) => l.purpose === 'sign')!;
    const again = await issueLink(h.system.deps, { meetingId: id, groupId: meetingRecord.groupId, memberId: 'm2', purpose: 'sign', expiresAt: link.expiresAt, revision: meetingRecord.revision });
    const m2Mailed = await linkFrom(h, g.email('m2'), /подпис/i);
    const idOf = (url: string) => url.split('/l/')[1]!.split('.')[0];
    expect(idOf(again)).toBe(idOf(m2Mailed));
    expect(again).not.toBe(m2Mailed);
    expect((await h.get(again)).status).toBe(200);
  });

  it('refuses a link signed with a secret two rotations old', async () => {
    keyring = { current: C, previous: B };
    expect((await h.get(signLink)).status).toBe(404);
  });
});
