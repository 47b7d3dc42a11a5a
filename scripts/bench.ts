/**
 * Benchmarks (figures, not assertions): `npx tsx scripts/bench.ts`
 * 1. Wall time of whole meetings of a 16-member group on the local system, through HTTP and e-mail,
 *    with the clock jumping from deadline to deadline (1-day and 5-working-day deadlines included).
 * 2. Size of each Lambda bundle (esbuild, ESM, minified), as the CDK stack builds them.
 */
import { build } from 'esbuild';
import path from 'node:path';
import { handlers } from '../functions/manifest.ts';
import { ROOT } from '../local/system.ts';
import { startHarness } from '../test/e2e/harness.ts';
import { convene, createGroup, linkFrom, roster, sign, voteAll } from '../test/e2e/fixtures.ts';

async function meetings(count: number): Promise<void> {
  const h = await startHarness('2026-03-02T06:00:00Z');
  const members = roster(13);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const groupId = await createGroup(h, members);
    const day = new Date(Date.parse(h.clock.now().toISOString()) + 10 * 86_400_000).toISOString().slice(0, 10);
    const id = await convene(h, groupId, { title: `Заседание ${i + 1}`, date: day, time: '10:00', agenda: [{ title: 'Вопрос' }] });
    const t0 = performance.now();
    let phase = '';
    for (let step = 0; step < 40 && phase !== 'distributed'; step++) {
      const meeting = (await h.admin('GET', `/admin/meetings/${id}`, undefined, { email: 'secretary@example.org', groups: ['secretary'] })).body.meeting;
      phase = meeting.phase;
      if (phase === 'agenda-approval' && !meeting.agendaApprovedAt) await h.post(await linkFrom(h, 'chair@example.org', /утвержден/i), {});
      else if (phase === 'in-session') {
        for (const m of members) await voteAll(h, m.email, { 0: 'for' });
        await h.advanceToNext();
      } else if (phase === 'protocol-signing') {
        for (const m of members) await sign(h, m.email).catch(() => 0);
      } else await h.advanceToNext();
    }
    console.log(`meeting ${i + 1}: ${phase} in ${(performance.now() - t0).toFixed(0)} ms wall time (clock now ${h.clock.now().toISOString()})`);
  }
  const mails = await h.mails();
  console.log(`${count} meeting(s), ${members.length} members: ${(performance.now() - started).toFixed(0)} ms, ${mails.length} e-mails`);
  await h.stop();
}

async function bundles(): Promise<void> {
  let total = 0;
  for (const spec of handlers) {
    const result = await build({
      entryPoints: [path.join(ROOT, spec.entry)],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      write: false,
      metafile: false,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles.reduce((n, f) => n + f.contents.length, 0);
    total += bytes;
    console.log(`${spec.id.padEnd(24)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB`);
  }
  console.log(`${'all bundles'.padEnd(24)} ${(total / 1024).toFixed(0).padStart(6)} KiB`);
}

await meetings(Number(process.env.MEETINGS ?? 2));
await bundles();
