import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/lib/clock.ts';
import { startLocalSystem, type LocalSystem } from '../../local/system.ts';
import { roster } from './fixtures.ts';

/**
 * Issue 4 §2: after a restart of the local runtime, meetings in progress continue from their stored
 * phase and nothing is lost — the data is on disk (dynalite), the execution is started again at the
 * phase the meeting is in, and e-mails already sent are not sent again.
 */
describe('the local runtime after a restart', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kvorum-restart-'));
  // DynamoDB and the S3 documents on disk, as `npm start` keeps them in .data/.
  const dataDir = path.join(root, 'dynamodb');
  const clock = new ManualClock('2026-03-02T06:00:00Z');
  let system: LocalSystem | undefined;
  afterAll(async () => {
    await system?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function admin(s: LocalSystem, method: string, p: string, body: unknown, email: string, groups: string[]) {
    const token = await s.issuer.issue({ sub: email, email, groups });
    const response = await fetch(`${s.urls.http}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await s.runtime.whenIdle();
    return { status: response.status, body: (await response.json()) as any };
  }

  it('continues a meeting waiting for approval: the old link still works and the notice goes out once', async () => {
    system = await startLocalSystem({ clock, dataDir, retryIntervalMs: 0 });
    const group = await admin(system, 'POST', '/admin/groups', { bodyName: 'Администрация', name: 'Рабочая группа', members: roster(2) }, 'secretary@example.org', ['secretary']);
    expect(group.status).toBe(201);
    const groupId = group.body.group?.id ?? group.body.id;
    const convened = await admin(system, 'POST', `/admin/groups/${groupId}/meetings`, { title: 'Заседание', date: '2026-03-12', time: '10:00', agenda: [{ title: 'О плане' }] }, 'chair@example.org', ['chair']);
    expect(convened.status).toBe(201);
    const id = convened.body.meeting.id as string;
    clock.set('2026-03-07T19:59:59Z');
    await system.runtime.whenIdle();
    const before = await system.ses.fetchMessages();
    const approval = before.find((m) => m.destination.to.some((t) => t.includes('chair@')) && /утвержден/i.test(m.subject));
    const approveLink = /https?:\/\/\S+\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(approval?.body.text ?? '')?.[0];
    expect(approveLink).toBeDefined();
    const oldBase = system.urls.http;

    await system.stop();
    system = await startLocalSystem({ clock, dataDir, retryIntervalMs: 0 });
    expect(await system.resumeActiveMeetings()).toEqual([id]);
    await system.runtime.whenIdle();
    // The request for approval is not sent again: the ledger in DynamoDB remembers it.
    expect((await system.ses.fetchMessages()).filter((m) => /утвержден/i.test(m.subject))).toEqual([]);

    // The link e-mailed before the restart (same token; the local API may listen on another port now).
    const link = approveLink!.replace(oldBase, system.urls.http);
    const approved = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(approved.status).toBe(200);
    await system.runtime.whenIdle();
    const meeting = await admin(system, 'GET', `/admin/meetings/${id}`, undefined, 'secretary@example.org', ['secretary']);
    expect(meeting.body.meeting.phase).toBe('notified');
    const notices = (await system.ses.fetchMessages()).filter((m) => /^Заседание/.test(m.subject));
    expect(notices.map((m) => m.destination.to[0]).sort()).toEqual(roster(2).map((m) => m.email).sort());
  });
});
