/**
 * The cold-start figures of the benchmark (issue 9.5), per Lambda function of functions/manifest.ts:
 * - the size of its bundle, built with the options infra/functions.ts deploys (infra/bundling.ts);
 * - how much of it is the PDF stack (pdfkit and everything it pulls in) and how much the AWS SDK;
 * - the median import time of the bundled handler, each import in a fresh Node process;
 * against the targets for functions that render no PDF. Figures only: nothing here asserts.
 * Run through scripts/bench.ts (`--bundles` runs only this part; add `--source-maps` to measure the
 * opt-in build with source maps switched on).
 */
import { build, type Metafile } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { handlers } from '../functions/manifest.ts';
import { esbuildOptions, lambdaBundle } from '../infra/bundling.ts';
import { PROJECT_ROOT } from '../infra/paths.ts';

/** Cold-start targets (issue 9.5): a function that renders no PDF ships at most this much and imports this fast. */
export const TARGET_BUNDLE_KIB = 400;
export const TARGET_IMPORT_MS = 150;
const IMPORT_RUNS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * One import of the bundle in a fresh Node process (NODE_OPTIONS as deployed): wall time, and the CPU
 * time of the process meanwhile (all threads; steadier than wall time on a busy machine), in ms.
 */
function importOnce(file: string, nodeOptions: string[]): { wall: number; cpu: number } {
  const script = [
    'const c = process.cpuUsage(); const t = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const wall = performance.now() - t; const { user, system } = process.cpuUsage(c);',
    'process.stdout.write(JSON.stringify({ wall, cpu: (user + system) / 1000 }));',
  ].join(' ');
  const out = execFileSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-central-1' },
  });
  return JSON.parse(out) as { wall: number; cpu: number };
}

/** A package and every package it depends on, transitively, as installed in node_modules. */
function dependencyClosure(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const manifest = path.join(PROJECT_ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) continue;
    seen.add(name);
    const { dependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
    queue.push(...Object.keys(dependencies));
  }
  return seen;
}

const packageOf = (input: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

/** Bytes in the bundle per package (node_modules/<name>) or source folder. */
function bytesByPart(meta: Metafile): Map<string, number> {
  const parts = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const key = packageOf(input) ?? input.split('/').slice(0, 2).join('/');
      parts.set(key, (parts.get(key) ?? 0) + bytesInOutput);
    }
  }
  return parts;
}

const sum = (parts: Map<string, number>, names: Set<string>): number => [...parts].reduce((total, [name, bytes]) => total + (names.has(name) ? bytes : 0), 0);
const kib = (bytes: number): string => (bytes / 1024).toFixed(0);

export interface BundleFigures {
  id: string;
  rendersPdf: boolean;
  bytes: number;
  pdfBytes: number;
  sdkBytes: number;
  /** Median wall time of the import over IMPORT_RUNS fresh processes. */
  importMs: number;
  /** Median CPU time of the same imports. */
  importCpuMs: number;
}

/** Builds, weighs and imports every bundle; prints one line per function and the verdict. */
export async function bundles(options: { sourceMaps?: boolean } = {}): Promise<BundleFigures[]> {
  const sourceMap = options.sourceMaps ?? false;
  const bundle = lambdaBundle({ sourceMap });
  const nodeOptions = sourceMap ? ['--enable-source-maps'] : [];
  const pdfStack = dependencyClosure(['pdfkit']);
  const { dependencies = {} } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const sdk = dependencyClosure(Object.keys(dependencies).filter((name) => name.startsWith('@aws-sdk/')));
  for (const name of pdfStack) sdk.delete(name);

  const out = mkdtempSync(path.join(tmpdir(), 'kvorum-bench-'));
  const figures: BundleFigures[] = [];
  console.log(`cold start: bundles as deployed (${bundle.format}, ${bundle.target}, minified, source maps ${sourceMap ? 'on' : 'off'}), import = median of ${IMPORT_RUNS} fresh processes`);
  const header = [
    'function'.padEnd(22),
    'bundle KiB'.padStart(10),
    'PDF stack KiB'.padStart(14),
    'AWS SDK KiB'.padStart(11),
    'import ms'.padStart(9),
    'cpu ms'.padStart(7),
    `  targets (no PDF: ≤ ${TARGET_BUNDLE_KIB} KiB, ≤ ${TARGET_IMPORT_MS} ms)`,
  ];
  console.log(header.join(' '));
  try {
    for (const spec of handlers) {
      const outfile = path.join(out, spec.id, 'index.mjs');
      const result = await build({ ...esbuildOptions(bundle, PROJECT_ROOT), entryPoints: [path.join(PROJECT_ROOT, spec.entry)], outfile, metafile: true, logLevel: 'silent' });
      const parts = bytesByPart(result.metafile);
      const imports = Array.from({ length: IMPORT_RUNS }, () => importOnce(outfile, nodeOptions));
      const figure: BundleFigures = {
        id: spec.id,
        rendersPdf: spec.rendersPdf === true,
        bytes: statSync(outfile).size,
        pdfBytes: sum(parts, pdfStack) + pdfModuleBytes(result.metafile),
        sdkBytes: sum(parts, sdk),
        importMs: median(imports.map((i) => i.wall)),
        importCpuMs: median(imports.map((i) => i.cpu)),
      };
      figures.push(figure);
      const share = figure.pdfBytes > 0 ? `${kib(figure.pdfBytes)} (${Math.round((100 * figure.pdfBytes) / figure.bytes)}%)` : '0';
      console.log(
        [
          spec.id.padEnd(22),
          kib(figure.bytes).padStart(10),
          share.padStart(14),
          kib(figure.sdkBytes).padStart(11),
          figure.importMs.toFixed(0).padStart(9),
          figure.importCpuMs.toFixed(0).padStart(7),
          `  ${verdict(figure)}`,
        ].join(' '),
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const total = figures.reduce((t, f) => t + f.bytes, 0);
  console.log(`${'all bundles'.padEnd(22)} ${kib(total).padStart(10)}`);
  const misses = figures.filter((f) => !f.rendersPdf && verdict(f) !== 'within');
  console.log(misses.length ? `over target: ${misses.map((f) => f.id).join(', ')}` : 'every function that renders no PDF is within the targets');
  return figures;
}

/** functions/protocol/pdf.ts itself, the PDF renderer, counted with the stack it pulls in. */
function pdfModuleBytes(meta: Metafile): number {
  let bytes = 0;
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (input.endsWith('functions/protocol/pdf.ts')) bytes += bytesInOutput;
  }
  return bytes;
}

function verdict(f: BundleFigures): string {
  if (f.rendersPdf) return 'renders PDF: no target';
  const over = [f.bytes / 1024 > TARGET_BUNDLE_KIB ? 'bundle over' : '', f.importMs > TARGET_IMPORT_MS ? 'import over' : ''].filter(Boolean);
  return over.length ? over.join(', ') : 'within';
}
