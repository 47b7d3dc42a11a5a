import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../functions/store/table.ts';
import { LOCAL_TABLE_NAME, startDynaliteServer } from '../../../local/dynalite-server.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';

/**
 * `npm run backup` / `npm run restore` as an operator runs them (the scripts in a child process):
 * on the data directory of a stopped `npm start`, through the endpoint of a running one, and on a table
 * named by TABLE_NAME / AWS_REGION (here a dynalite standing in for AWS through DYNAMODB_ENDPOINT).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function run(script: 'backup' | 'restore', args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env };
    execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', `${script}.ts`), ...args], { cwd: ROOT, env: childEnv, timeout: 50_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr });
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function scan(client: DynamoDBClient, table: string): Promise<Array<Record<string, AttributeValue>>> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: table }));
  return Items.sort((a, b) => `${a.pk!.S}|${a.sk!.S}`.localeCompare(`${b.pk!.S}|${b.sk!.S}`));
}

async function withLocalTable<T>(dataDir: string, fn: (client: DynamoDBClient, port: number) => Promise<T>): Promise<T> {
  const server = await startDynaliteServer(dataDir, 0);
  const client = new DynamoDBClient({ endpoint: server.endpoint, region: 'eu-central-1', credentials: CREDENTIALS });
  try {
    return await fn(client, Number(new URL(server.endpoint).port));
  } finally {
    client.destroy();
    await server.stop();
  }
}

describe('npm run backup / npm run restore', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'kvorum-backup-cli-'));
  const source = path.join(root, 'source-data');
  const target = path.join(root, 'target-data');
  const file = path.join(root, 'kvorum.jsonl');
  const items = Array.from({ length: 30 }, (_, i) => ({ pk: { S: `MEETING#${i}` }, sk: { S: 'HEADER' }, title: { S: `Заседание ${i}` }, digest: { B: Uint8Array.from([i, 0, 255]) } }));
  let expected: Array<Record<string, AttributeValue>>;
  let nothingListens: number;
  let aws: RunningDynalite | undefined;

  beforeAll(async () => {
    nothingListens = await closedPort();
    expected = await withLocalTable(path.join(source, 'dynamodb'), async (client) => {
      await ensureTable(client, LOCAL_TABLE_NAME);
      for (const Item of items) await client.send(new PutItemCommand({ TableName: LOCAL_TABLE_NAME, Item }));
      return scan(client, LOCAL_TABLE_NAME);
    });
  });
  afterAll(async () => {
    await aws?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up the data directory of a stopped npm start into a private file', async () => {
    const result = await run('backup', [file], { KVORUM_DATA_DIR: source, DYNAMODB_PORT: String(nothingListens) });
    expect(result.stderr).toContain(`local table kvorum in ${path.join(source, 'dynamodb')}`);
    expect(result.code).toBe(0);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(30);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('restores into a fresh data directory; every item comes back', async () => {
    const result = await run('restore', [file], { KVORUM_DATA_DIR: target, DYNAMODB_PORT: String(nothingListens) });
    expect(result.stderr).toContain('Restoring 30 item(s)');
    expect(result.code).toBe(0);
    expect(await withLocalTable(path.join(target, 'dynamodb'), (client) => scan(client, LOCAL_TABLE_NAME))).toEqual(expected);
  }, 60_000);

  it('through a running npm start: a non-empty table is refused without --force, written with it', async () => {
    await withLocalTable(path.join(target, 'dynamodb'), async (client, port) => {
      await client.send(new PutItemCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...items[0]!, title: { S: 'changed' } } }));
      const refused = await run('restore', [file], { KVORUM_DATA_DIR: target, DYNAMODB_PORT: String(port) });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/not empty.*--force/);
      expect((await scan(client, LOCAL_TABLE_NAME)).find((i) => i.pk!.S === 'MEETING#0')?.title).toEqual({ S: 'changed' });

      const forced = await run('restore', [file, '--force'], { KVORUM_DATA_DIR: target, DYNAMODB_PORT: String(port) });
      expect(forced.stderr).toContain('of the running npm start');
      expect(forced.code).toBe(0);
      expect(await scan(client, LOCAL_TABLE_NAME)).toEqual(expected);
    });
  }, 60_000);

  it('TABLE_NAME and AWS_REGION: a table outside the local data', async () => {
    aws = await startDynalite();
    await ensureTable(aws.client, 'Kvorum-Table');
    const env = { TABLE_NAME: 'Kvorum-Table', AWS_REGION: 'eu-central-1', DYNAMODB_ENDPOINT: aws.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' };
    const restored = await run('restore', [file], env);
    expect(restored.stderr).toContain('table Kvorum-Table in eu-central-1');
    expect(restored.code).toBe(0);
    expect(await scan(aws.client, 'Kvorum-Table')).toEqual(expected);

    const again = path.join(root, 'from-aws.jsonl');
    expect((await run('backup', [again], env)).code).toBe(0);
    expect(readFileSync(again, 'utf8').trim().split('\n').sort()).toEqual(readFileSync(file, 'utf8').trim().split('\n').sort());
    expect((await run('backup', [path.join(root, 'x.jsonl')], { TABLE_NAME: 'Kvorum-Table' })).code).toBe(1);
  }, 60_000);

  it('a damaged backup writes nothing', async () => {
    const damaged = path.join(root, 'damaged.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(damaged, [...lines.slice(0, 5), '{"Item": {"pk": {"S": "x"}}}', ...lines.slice(5)].join('\n'));
    const empty = path.join(root, 'empty-data');
    const result = await run('restore', [damaged], { KVORUM_DATA_DIR: empty, DYNAMODB_PORT: String(nothingListens) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 6: the key attribute sk');
    expect(await withLocalTable(path.join(empty, 'dynamodb'), async (client) => {
      await ensureTable(client, LOCAL_TABLE_NAME);
      return scan(client, LOCAL_TABLE_NAME);
    })).toEqual([]);
  }, 60_000);
});
