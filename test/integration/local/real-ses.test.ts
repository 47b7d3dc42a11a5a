import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { startSesLocal, type SesLocal } from '../../../local/emulators/ses.ts';
import { startLocalSystem, type LocalSystemOnRealSes } from '../../../local/system.ts';
import { roster } from '../../e2e/fixtures.ts';

/**
 * `SES_ENDPOINT` / `PUBLIC_BASE_URL` (issue 10 §8): the local system sends through a given SES
 * v2-compatible service — here a separate aws-ses-v2-local standing in for it — with credentials
 * from the standard AWS environment, starts no emulator of its own, and e-mails links on the public base.
 */
describe('the local system on an SES-compatible service', () => {
  let service: SesLocal;
  let system: LocalSystemOnRealSes | undefined;
  const clock = new ManualClock('2026-03-02T06:00:00Z');
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'example-secret';
    service = await startSesLocal();
    const started = await startLocalSystem({
      clock,
      dataDir: null,
      retryIntervalMs: 0,
      realSes: { endpoint: service.endpoint, region: 'eu-central-1' },
      publicBaseUrl: 'https://kvorum.example.org',
      senderAddress: 'kvorum@example.org',
    });
    if (started.ses !== null) throw new Error('an emulator was started although realSes was given');
    system = started;
  });
  afterAll(async () => {
    await system?.stop();
    await service?.stop();
    for (const [name, value] of [['AWS_ACCESS_KEY_ID', savedEnv.id], ['AWS_SECRET_ACCESS_KEY', savedEnv.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  async function admin(method: string, path: string, body: unknown, email: string, groups: string[]) {
    const token = await system!.issuer.issue({ sub: email, email, groups });
    const response = await fetch(`${system!.urls.http}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await system!.runtime.whenIdle();
    return { status: response.status, body: (await response.json()) as any };
  }

  it('mail goes through the given endpoint, from the given sender, with links on PUBLIC_BASE_URL', async () => {
    expect(system!.urls.mailbox).toBeNull();
    expect(system!.deps.publicBaseUrl).toBe('https://kvorum.example.org');
    const group = await admin('POST', '/admin/groups', { bodyName: 'Администрация', name: 'Рабочая группа', members: roster(2) }, 'secretary@example.org', ['secretary']);
    expect(group.status).toBe(201);
    const groupId = group.body.group?.id ?? group.body.id;
    const convened = await admin('POST', `/admin/groups/${groupId}/meetings`, { title: 'Заседание', date: '2026-03-12', time: '10:00', agenda: [{ title: 'О плане' }] }, 'chair@example.org', ['chair']);
    expect(convened.status).toBe(201);
    // The chair is asked to approve the agenda ahead of the notice deadline.
    clock.set('2026-03-07T19:59:59Z');
    await system!.runtime.whenIdle();

    const sent = await service.fetchMessages();
    const approval = sent.find((m) => m.destination.to.some((to) => to.includes('chair@')) && /утвержден/i.test(m.subject));
    expect(approval).toBeDefined();
    expect(approval!.from).toContain('kvorum@example.org');
    const links = [...(approval!.body.text ?? '').matchAll(/https?:\/\/\S+\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g)].map((m) => m[0]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(link.startsWith('https://kvorum.example.org/l/')).toBe(true);

    // The link works on the local server (behind the public base, e.g. a reverse proxy).
    const page = await fetch(links[0]!.replace('https://kvorum.example.org', system!.urls.http));
    expect(page.status).toBe(200);
  });
});
