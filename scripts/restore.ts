/**
 * `npm run restore -- <file.jsonl> [--force]`: writes every item of a backup (scripts/table-backup.ts)
 * into the table. The whole file is checked first, so a damaged backup writes nothing. A table that
 * already holds items is refused unless --force (then items with the same key are replaced, others
 * stay). Locally the table is created when missing; in AWS it must exist (the stack owns it).
 */
import '../local/quiet-warnings.ts';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureTable } from '../functions/store/table.ts';
import { BackupFormatError, RestoreRefusedError, itemsFromLines, restoreTable } from './table-backup.ts';
import { openTable, runScript, tableTargetFromEnv } from './table-target.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Opened when first read: readline drops the lines (and the end) emitted before its iterator exists. */
async function* linesOf(file: string): AsyncGenerator<string> {
  yield* createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const files = args.filter((a) => a !== '--force');
  if (files.length !== 1 || files[0]!.startsWith('-')) {
    console.error('Usage: npm run restore -- <file.jsonl> [--force]   (local table of npm start; TABLE_NAME=… AWS_REGION=… for a table in AWS)');
    return 2;
  }
  const file = path.resolve(files[0]!);
  if (!existsSync(file)) {
    console.error(`restore: no such file ${file}`);
    return 2;
  }
  let total = 0;
  for await (const _item of itemsFromLines(linesOf(file))) total++;
  const target = tableTargetFromEnv(process.env, ROOT);
  const table = await openTable(target, { create: true });
  try {
    if (target.kind === 'local') await ensureTable(table.client, table.tableName);
    console.error(`Restoring ${total} item(s) from ${file} into ${table.description}${force ? ' (--force)' : ''} …`);
    const count = await restoreTable(table.client, table.tableName, itemsFromLines(linesOf(file)), { force });
    console.error(`Done: ${count} item(s) written.${target.kind === 'local' ? ' Start (or restart) npm start: meetings in progress continue.' : ''}`);
    return 0;
  } finally {
    await table.close();
  }
}

runScript('restore', main, [BackupFormatError, RestoreRefusedError]);
