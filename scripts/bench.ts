/**
 * Benchmarks (figures, not assertions): `npx tsx scripts/bench.ts`
 * 1. Wall time of whole meetings of a 16-member group on the local system, through HTTP and e-mail,
 *    with the clock jumping from deadline to deadline (1-day and 5-working-day deadlines included).
 * 2. Per Lambda function: the size of its bundle (esbuild with the options of infra/functions.ts) and the
 *    median import time of the bundled handler in a fresh Node process, against the cold-start targets.
 *    `npx tsx scripts/bench.ts --bundles` runs only this part.
 */
import { build, type Metafile } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESM_REQUIRE_BANNER, LAMBDA_RUNTIME } from '../infra/functions.ts';
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

/** Cold-start targets (issue 9.5): a task that renders no PDF ships at most this much, and imports this fast. */
const TARGET_BUNDLE_KIB = 400;
const TARGET_IMPORT_MS = 150;
const IMPORT_RUNS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Import of the bundle in a fresh Node process (no --enable-source-maps, as deployed by default), in ms. */
function importMs(file: string, nodeOptions = ''): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(process.execPath, [...(nodeOptions ? [nodeOptions] : []), '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-central-1' },
  });
  return Number(out);
}

/** The packages (node_modules/<name>) or source folders that make up most of a bundle. */
function biggestInputs(meta: Metafile, n: number): string {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = m ? m[1]! : input.split('/').slice(0, 2).join('/');
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`)
    .join(', ');
}

/**
 * Each Lambda bundle built with the options of infra/functions.ts (ESM, minified, require banner, external
 * source map, the AWS SDK bundled), its size without the .map, whether it contains the PDF stack, and the
 * median import time of the bundled handler in a fresh Node process.
 */
async function bundles(): Promise<void> {
  const out = mkdtempSync(path.join(tmpdir(), 'kvorum-bench-'));
  let total = 0;
  const misses: string[] = [];
  console.log(`${'function'.padEnd(20)} ${'bundle KiB'.padStart(10)} ${'import ms'.padStart(10)}  ${'pdf'.padEnd(3)}  biggest inputs (KiB)`);
  try {
    for (const spec of handlers) {
      const outfile = path.join(out, spec.id, 'index.mjs');
      const result = await build({
        entryPoints: [path.join(ROOT, spec.entry)],
        outfile,
        bundle: true,
        minify: true,
        sourcemap: true,
        format: 'esm',
        platform: 'node',
        target: LAMBDA_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
        mainFields: ['module', 'main'],
        banner: { js: ESM_REQUIRE_BANNER },
        metafile: true,
        logLevel: 'silent',
      });
      const bytes = statSync(outfile).size;
      total += bytes;
      const inputs = Object.keys(result.metafile.inputs);
      const pdf = inputs.some((i) => /node_modules\/(pdfkit|fontkit|brotli)\//.test(i) || i.endsWith('functions/protocol/pdf.ts'));
      const ms = median(Array.from({ length: IMPORT_RUNS }, () => importMs(outfile)));
      const kib = bytes / 1024;
      if (!spec.rendersPdf && (kib > TARGET_BUNDLE_KIB || ms > TARGET_IMPORT_MS)) misses.push(spec.id);
      console.log(`${spec.id.padEnd(20)} ${kib.toFixed(0).padStart(10)} ${ms.toFixed(0).padStart(10)}  ${(pdf ? 'yes' : 'no').padEnd(3)}  ${biggestInputs(result.metafile, 4)}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log(`${'all bundles'.padEnd(20)} ${(total / 1024).toFixed(0).padStart(10)}`);
  console.log(`targets for functions that render no PDF: bundle <= ${TARGET_BUNDLE_KIB} KiB, import <= ${TARGET_IMPORT_MS} ms (median of ${IMPORT_RUNS} fresh processes)`);
  console.log(misses.length ? `over target: ${misses.join(', ')}` : 'all functions that render no PDF are within the targets');
}

// `--bundles` runs only the bundle section (seconds, not minutes).
if (!process.argv.includes('--bundles')) await meetings(Number(process.env.MEETINGS ?? 2));
await bundles();
