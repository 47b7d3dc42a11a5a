/**
 * Which table `npm run backup` / `npm run restore` work on, from the environment:
 * - `TABLE_NAME` set: that table in AWS, in `AWS_REGION` (credentials from the standard AWS chain;
 *   `DYNAMODB_ENDPOINT` points elsewhere, e.g. at a DynamoDB-compatible service);
 * - otherwise the local table of `npm start`: through its dynalite endpoint when it is running
 *   (`DYNAMODB_PORT`, default 4567; LevelDB lets one process open the data), else `.data/dynamodb`
 *   (`$KVORUM_DATA_DIR/dynamodb`) opened here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { awsClientConfig } from '../functions/lib/aws-clients.ts';
import { dataDirFromEnv } from '../local/config.ts';
import { LOCAL_TABLE_NAME, startDynaliteServer } from '../local/dynalite-server.ts';

export type TableTarget =
  | { kind: 'aws'; tableName: string; region: string; endpoint?: string }
  | { kind: 'local'; tableName: string; dataDir: string; runningEndpoint: string };

export class TargetError extends Error {
  override name = 'TargetError';
}

const LOCAL_REGION = 'eu-central-1';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function tableTargetFromEnv(env: Record<string, string | undefined>, root: string): TableTarget {
  const tableName = env.TABLE_NAME?.trim();
  if (tableName) {
    const region = env.AWS_REGION?.trim();
    if (!region) throw new TargetError('TABLE_NAME is set: set AWS_REGION too (the region of the table).');
    const endpoint = env.DYNAMODB_ENDPOINT?.trim();
    return { kind: 'aws', tableName, region, ...(endpoint ? { endpoint } : {}) };
  }
  const port = env.DYNAMODB_PORT?.trim() || '4567';
  if (!/^\d+$/.test(port)) throw new TargetError(`DYNAMODB_PORT=${port}: a port number is expected.`);
  return { kind: 'local', tableName: LOCAL_TABLE_NAME, dataDir: path.join(dataDirFromEnv(env, root), 'dynamodb'), runningEndpoint: `http://127.0.0.1:${port}` };
}

export interface OpenTable {
  client: DynamoDBClient;
  tableName: string;
  /** Said to the operator: which table, where. */
  description: string;
  close(): Promise<void>;
}

async function answers(client: DynamoDBClient): Promise<boolean> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  }
}

/** Connects to the target; `create` (restore) allows a local data directory that does not exist yet. */
export async function openTable(target: TableTarget, options: { create: boolean }): Promise<OpenTable> {
  if (target.kind === 'aws') {
    const client = new DynamoDBClient({ ...awsClientConfig('dynamodb', target.endpoint), region: target.region });
    return {
      client,
      tableName: target.tableName,
      description: `table ${target.tableName} in ${target.region}${target.endpoint ? ` at ${target.endpoint}` : ''}`,
      close: async () => client.destroy(),
    };
  }
  const local = (endpoint: string) => new DynamoDBClient({ ...awsClientConfig('dynamodb', endpoint), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const running = local(target.runningEndpoint);
  if (await answers(running)) {
    return { client: running, tableName: target.tableName, description: `local table ${target.tableName} of the running npm start (${target.runningEndpoint})`, close: async () => running.destroy() };
  }
  running.destroy();
  if (!options.create && !existsSync(target.dataDir)) throw new TargetError(`no local data in ${target.dataDir} (has npm start ever run here?)`);
  const server = await startDynaliteServer(target.dataDir, 0);
  const client = local(server.endpoint);
  return {
    client,
    tableName: target.tableName,
    description: `local table ${target.tableName} in ${target.dataDir}`,
    close: async () => {
      client.destroy();
      await server.stop();
    },
  };
}

/**
 * Runs a script's main and exits with its code; an error the script expects (a wrong target, a bad
 * file) is printed as its message, anything else with its stack.
 */
export function runScript(name: string, main: () => Promise<number>, expected: ReadonlyArray<new (...args: never[]) => Error> = []): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const known = error instanceof TargetError || expected.some((kind) => error instanceof kind);
      console.error(`${name} failed: ${known ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
