/**
 * Starts an in-memory dynalite (DynamoDB emulator) on a free port for one test suite.
 *
 *   const db = await startDynalite();
 *   afterAll(() => db.stop());
 *
 * Dynalite has no TransactWriteItems, no PartiQL, never expires TTL items and silently ignores
 * ReturnValuesOnConditionCheckFailure; the store is designed without them.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options?: DynaliteOptions) => Server;

export const DYNALITE_REGION = 'eu-central-1';

export interface RunningDynalite {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export async function startDynalite(options: { createTableMs?: number } = {}): Promise<RunningDynalite> {
  const createTableMs = options.createTableMs ?? 5;
  const server = dynalite({ createTableMs, deleteTableMs: createTableMs, updateTableMs: createTableMs });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: DYNALITE_REGION,
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    maxAttempts: 3,
  });
  let stopped = false;
  return {
    endpoint,
    client,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
