import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * dynalite (the DynamoDB emulator) on 127.0.0.1, keeping its data in `dataDir` (LevelDB) or in memory.
 * `npm start` and `npm run backup` / `restore` open `.data/dynamodb` with it. One process at a time:
 * LevelDB locks the directory, so the scripts go through the running `npm start`'s endpoint instead.
 */
const require = createRequire(import.meta.url);

/** The table's name in dynalite (`npm start`, and the scripts on `.data/dynamodb`). */
export const LOCAL_TABLE_NAME = 'kvorum';

export async function startDynaliteServer(dataDir: string | null, port: number): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const server = dynalite({ ...(dataDir ? { path: dataDir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
