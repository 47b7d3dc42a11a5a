/**
 * The table as JSON lines, and back (`npm run backup`, `npm run restore`).
 *
 * One line per item, `{"Item":{…}}` in DynamoDB JSON — the format of DynamoDB's own export to S3
 * (DYNAMODB_JSON), so an AWS export, gunzipped, restores too. Binary values are base64, as on the wire;
 * nothing is lost or converted. The backup is a paginated Scan (strongly consistent reads, not a
 * snapshot: a write during the scan may or may not be in it); the restore is BatchWriteItem in 25s,
 * retrying unprocessed items with backoff, and refuses a table that already holds items unless forced.
 */
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import pMap from 'p-map';
import { tableSchema } from '../functions/store/table.ts';

export type Item = Record<string, AttributeValue>;
/** What the functions need of a DynamoDBClient (a test wraps one to inject unprocessed items). */
export type TableClient = Pick<DynamoDBClient, 'send'>;

export class BackupFormatError extends Error {
  override name = 'BackupFormatError';
}

export class RestoreRefusedError extends Error {
  override name = 'RestoreRefusedError';
}

// ---- JSON lines codec ------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function valueToJson(value: AttributeValue): Json {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, valueToJson(v)])) };
  if (value.L !== undefined) return { L: value.L.map(valueToJson) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: true };
  throw new BackupFormatError(`unknown attribute value type: ${Object.keys(value).join(', ')}`);
}

const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
const isBase64 = (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;

function valueFromJson(json: unknown, where: string): AttributeValue {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new BackupFormatError(`${where}: an attribute value object is expected`);
  const entries = Object.entries(json);
  if (entries.length !== 1) throw new BackupFormatError(`${where}: exactly one type key is expected, got ${entries.length}`);
  const [type, v] = entries[0]!;
  const bad = (what: string) => new BackupFormatError(`${where}: ${type} must be ${what}`);
  switch (type) {
    case 'S':
      if (typeof v !== 'string') throw bad('a string');
      return { S: v };
    case 'N':
      if (typeof v !== 'string' || !Number.isFinite(Number(v))) throw bad('a number as a string');
      return { N: v };
    case 'B':
      if (typeof v !== 'string' || !isBase64(v)) throw bad('base64');
      return { B: Buffer.from(v, 'base64') };
    case 'SS':
      if (!isStringArray(v)) throw bad('an array of strings');
      return { SS: v };
    case 'NS':
      if (!isStringArray(v) || !v.every((n) => Number.isFinite(Number(n)))) throw bad('an array of numbers as strings');
      return { NS: v };
    case 'BS':
      if (!isStringArray(v) || !v.every(isBase64)) throw bad('an array of base64 strings');
      return { BS: v.map((b) => Buffer.from(b, 'base64')) };
    case 'M':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('an object');
      return { M: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, valueFromJson(x, `${where}.${k}`)])) };
    case 'L':
      if (!Array.isArray(v)) throw bad('an array');
      return { L: v.map((x, i) => valueFromJson(x, `${where}[${i}]`)) };
    case 'BOOL':
      if (typeof v !== 'boolean') throw bad('true or false');
      return { BOOL: v };
    case 'NULL':
      if (v !== true) throw bad('true');
      return { NULL: true };
    default:
      throw new BackupFormatError(`${where}: unknown type ${type}`);
  }
}

/** One backup line (without the newline). */
export function itemToLine(item: Item): string {
  return JSON.stringify({ Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, valueToJson(v)])) });
}

/** The item of one backup line; a clear error naming the line when it is not one of ours. */
export function itemFromLine(line: string, lineNumber: number): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new BackupFormatError(`line ${lineNumber}: not JSON (${(error as Error).message})`);
  }
  const raw = (parsed as { Item?: unknown } | null)?.Item;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BackupFormatError(`line ${lineNumber}: {"Item": {…}} is expected`);
  const item = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, valueFromJson(v, `line ${lineNumber}: ${k}`)]));
  for (const key of [tableSchema.partitionKey, tableSchema.sortKey]) {
    if (item[key.name]?.S === undefined) throw new BackupFormatError(`line ${lineNumber}: the key attribute ${key.name} (a string) is missing`);
  }
  return item;
}

/** The items of backup lines in order; blank lines are skipped. */
export async function* itemsFromLines(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<Item> {
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    yield itemFromLine(line, lineNumber);
  }
}

// ---- Backup --------------------------------------------------------------------------------------

/** Scans the whole table page by page, handing each item's line to `write`; returns the item count. */
export async function backupTable(client: TableClient, tableName: string, write: (line: string) => void, options: { pageSize?: number } = {}): Promise<number> {
  let count = 0;
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(options.pageSize ? { Limit: options.pageSize } : {}), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    for (const item of page.Items ?? []) {
      write(`${itemToLine(item)}\n`);
      count++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}

// ---- Restore -------------------------------------------------------------------------------------

export interface RestoreOptions {
  /** Write over a table that already holds items (items with the same key are replaced, others kept). */
  force?: boolean;
  /** BatchWriteItem requests in flight at once (default 4). */
  concurrency?: number;
  /** Attempts in a row that write nothing of a batch before giving up (default 10). */
  maxAttemptsWithoutProgress?: number;
  /** First pause before retrying unprocessed items, doubled each time up to 5 s (default 100 ms). */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function isTableEmpty(client: TableClient, tableName: string): Promise<boolean> {
  const page = await client.send(new ScanCommand({ TableName: tableName, Limit: 1, ConsistentRead: true }));
  return (page.Items ?? []).length === 0 && !page.LastEvaluatedKey;
}

const BATCH_SIZE = 25; // BatchWriteItem's limit
const MAX_RETRY_PAUSE_MS = 5_000;
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function* batchesOf(items: AsyncIterable<Item> | Iterable<Item>): AsyncGenerator<Item[]> {
  let batch: Item[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === BATCH_SIZE) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function writeBatch(client: TableClient, tableName: string, items: Item[], options: RestoreOptions): Promise<void> {
  const sleep = options.sleep ?? realSleep;
  const maxIdle = options.maxAttemptsWithoutProgress ?? 10;
  let pending: WriteRequest[] = items.map((Item) => ({ PutRequest: { Item } }));
  let pause = options.retryBaseMs ?? 100;
  let idle = 0;
  for (;;) {
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
    const left = out.UnprocessedItems?.[tableName] ?? [];
    if (left.length === 0) return;
    idle = left.length < pending.length ? 0 : idle + 1;
    if (idle >= maxIdle) throw new Error(`restore: ${left.length} item(s) of a batch still unprocessed after ${maxIdle} attempts in a row without progress (throttled?); re-run with --force to finish`);
    pending = left;
    // Exponential backoff with full jitter, as AWS advises for unprocessed items.
    await sleep(Math.round(Math.random() * pause));
    pause = Math.min(pause * 2, MAX_RETRY_PAUSE_MS);
  }
}

/** Writes every item (PutRequest); refuses a non-empty table unless `force`. Returns the item count. */
export async function restoreTable(client: TableClient, tableName: string, items: AsyncIterable<Item> | Iterable<Item>, options: RestoreOptions = {}): Promise<number> {
  if (!options.force && !(await isTableEmpty(client, tableName))) {
    throw new RestoreRefusedError(`table ${tableName} is not empty; restore writes over items with the same key — pass --force to do so`);
  }
  let count = 0;
  await pMap(
    batchesOf(items),
    async (batch) => {
      await writeBatch(client, tableName, batch, options);
      count += batch.length;
    },
    { concurrency: options.concurrency ?? 4 },
  );
  return count;
}
