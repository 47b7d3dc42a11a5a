import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSecretaryDigests } from '../../functions/app/secretary-digest.ts';
import { startHarness, type Harness } from './harness.ts';
import { convene, createGroup, linkFrom, plain, team } from './fixtures.ts';

/** Issue 11 §6: the secretary's daily digest — proposals that came in, bounces; once a day; nothing on a quiet day. */
describe('the secretary’s daily digest', () => {
  let h: Harness;
  const g = team('digest.test');
  const quiet = team('quiet.test');
  let groupId: string;

  beforeAll(async () => {
    h = await startHarness('2026-03-02T06:00:00Z');
    groupId = await createGroup(h, g.members, g.secretary);
    await createGroup(h, quiet.members, quiet.secretary);
    await convene(h, groupId, { title: 'О плане', date: '2026-03-12', time: '10:00', agenda: [{ title: 'О плане работы' }] }, g.chair);
  }, 60_000);
  afterAll(() => h?.stop());

  it('lists the day’s proposals and bounced addresses, escaped, once per day; a quiet group gets nothing', async () => {
    const link = await linkFrom(h, g.email('m1'), /Предложения/);
    expect((await h.post(link, { kind: 'agenda-item', title: 'О парке <b>у реки</b>', decision: 'Поручить', speaker: '' })).status).toBe(200);
    await h.system.deps.store.markAddressFailing(groupId, g.email('m2'), 'Mailbox full');
    h.clock.set('2026-03-03T04:00:00Z');

    const first = await sendSecretaryDigests(h.system.deps);
    expect(first.groups[groupId]).toBe('sent');
    expect(Object.values(first.groups).filter((x) => x === 'quiet')).toHaveLength(1);
    const digests = (await h.mailsTo(g.email('secretary'))).filter((m) => /^Сводка/.test(m.subject));
    expect(digests).toHaveLength(1);
    const text = plain(digests[0]!.html);
    expect(text).toContain('Новые предложения в повестку: 1');
    expect(text).toContain('О парке <b>у реки</b>');
    expect(digests[0]!.html).not.toContain('<b>у реки</b>');
    expect(text).toContain(g.email('m2'));
    expect(text).toContain('Mailbox full');
    expect((await h.mailsTo(quiet.email('secretary'))).filter((m) => /^Сводка/.test(m.subject))).toHaveLength(0);

    // The same day again (a retried schedule): no second digest.
    expect((await sendSecretaryDigests(h.system.deps)).groups[groupId]).toBe('duplicate');
    // The next day: nothing new happened.
    h.clock.set('2026-03-04T04:00:00Z');
    expect((await sendSecretaryDigests(h.system.deps)).groups[groupId]).toBe('quiet');
    expect((await h.mailsTo(g.email('secretary'))).filter((m) => /^Сводка/.test(m.subject))).toHaveLength(1);
  });

  it('tells when everyone signed and when the protocol was distributed (from the audit trail)', async () => {
    const [m] = await h.system.deps.store.listMeetingsByGroup(groupId);
    h.clock.set('2026-03-04T10:00:00Z');
    await h.system.deps.store.appendAudit(m!.id, { actor: 'system', action: 'signatures-complete', detail: {} });
    await h.system.deps.store.appendAudit(m!.id, { actor: 'system', action: 'protocol-distributed', detail: {} });
    h.clock.set('2026-03-05T04:00:00Z');
    expect((await sendSecretaryDigests(h.system.deps)).groups[groupId]).toBe('sent');
    const latest = (await h.mailsTo(g.email('secretary'))).filter((x) => /^Сводка/.test(x.subject)).at(-1)!;
    expect(plain(latest.html)).toContain('Протокол подписали все участники.');
    expect(plain(latest.html)).toContain('Подписанный протокол разослан членам рабочей группы.');
  });
});
