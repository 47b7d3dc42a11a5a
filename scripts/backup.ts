/**
 * `npm run backup -- <file.jsonl>`: the whole table as JSON lines (scripts/table-backup.ts), written to
 * a temporary file beside <file> and renamed when complete, so a cut-off backup never looks whole.
 * Which table: scripts/table-target.ts (the local one of `npm start`, or TABLE_NAME in AWS_REGION).
 */
import '../local/quiet-warnings.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAtomicFile } from '../local/atomic-file.ts';
import { backupTable } from './table-backup.ts';
import { openTable, runScript, tableTargetFromEnv } from './table-target.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    console.error('Usage: npm run backup -- <file.jsonl>   (local table of npm start; TABLE_NAME=… AWS_REGION=… for a table in AWS)');
    return 2;
  }
  const file = path.resolve(args[0]!);
  const table = await openTable(tableTargetFromEnv(process.env, ROOT), { create: false });
  try {
    console.error(`Backing up ${table.description} to ${file} …`);
    // Backups hold members' names and addresses: readable by their owner only.
    const out = openAtomicFile(file, { mode: 0o600 });
    let count: number;
    try {
      count = await backupTable(table.client, table.tableName, (line) => out.write(line));
      out.commit();
    } catch (error) {
      out.abort();
      throw error;
    }
    console.error(`Done: ${count} item(s) in ${file}.`);
    return 0;
  } finally {
    await table.close();
  }
}

runScript('backup', main);
