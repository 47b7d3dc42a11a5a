import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { convene, createGroup, lastMail, meeting, team } from './fixtures.ts';

/**
 * The chair may approve the agenda before the proposals close (п. 2.3в): then nobody must act at the
 * approval step — no request for approval is e-mailed, and the notice goes out as soon as proposals close.
 */
describe('agenda approved early by the chair', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
  }, 60_000);
  afterAll(() => h?.stop());

  it('skips the approval request and notifies at once when proposals close', async () => {
    const g = team('early.test');
    const groupId = await createGroup(h, g.members, g.secretary);
    const id = await convene(h, groupId, { title: 'Заседание', date: '2026-03-12', time: '10:00', agenda: [{ title: 'О плане' }] }, g.chair);
    expect((await h.admin('POST', `/admin/meetings/${id}/agenda/approve`, {}, g.secretary)).status).toBe(403);
    expect((await h.admin('POST', `/admin/meetings/${id}/agenda/approve`, {}, g.chair)).status).toBe(200);
    expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('agenda-proposals');

    await h.advanceTo('2026-03-07T19:59:59Z');
    expect((await meeting(h, id, g.secretary)).meeting.phase).toBe('notified');
    expect(await lastMail(h, g.email('chair'), /утвержден/i)).toBeUndefined();
    for (const m of g.members) expect(await lastMail(h, m.email, /^Заседание/), m.id).toBeDefined();
  });
});
