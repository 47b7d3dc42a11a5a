import { PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../../functions/store/table.ts';
import { BackupFormatError, RestoreRefusedError, backupTable, itemFromLine, itemToLine, itemsFromLines, restoreTable, type Item, type TableClient } from '../../../scripts/table-backup.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';

/** `npm run backup` → `npm run restore`: every item back, byte for byte, through the real SDK against dynalite. */
describe('table backup and restore (JSON lines)', () => {
  let db: RunningDynalite;
  const sample: Item[] = Array.from({ length: 57 }, (_, i) => ({
    pk: { S: `MEETING#${String(i).padStart(3, '0')}` },
    sk: { S: i % 2 ? 'HEADER' : `MEMBER#${i}` },
    title: { S: `Заседание № ${i} «рабочей группы»` },
    revision: { N: String(i * 3) },
    approved: { BOOL: i % 3 === 0 },
    note: { NULL: true },
    digest: { B: Uint8Array.from([0, 255, i, 10, 13]) },
    tags: { SS: ['a', `t${i}`] },
    counts: { NS: ['1', '2.5', String(i + 10)] },
    blobs: { BS: [Uint8Array.from([1, 2]), Uint8Array.from([i])] },
    nested: { M: { list: { L: [{ S: 'x' }, { N: '-1' }, { M: { deep: { B: Uint8Array.from([7]) } } }] }, empty: { M: {} } } },
  }));

  async function scanAll(table: string): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await db.client.send(new ScanCommand({ TableName: table, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.sort((a, b) => `${a.pk!.S}|${a.sk!.S}`.localeCompare(`${b.pk!.S}|${b.sk!.S}`));
  }

  /** Counts the Scans a backup makes, and turns some BatchWriteItem puts into unprocessed items. */
  function instrumented(options: { unprocessedFirst?: number } = {}) {
    const calls = { scans: 0, batchWrites: 0, unprocessed: 0 };
    let toRefuse = options.unprocessedFirst ?? 0;
    const client: TableClient = {
      send: (async (command: { constructor: { name: string }; input: any }) => {
        if (command.constructor.name === 'ScanCommand') calls.scans++;
        if (command.constructor.name === 'BatchWriteItemCommand') {
          calls.batchWrites++;
          if (toRefuse > 0) {
            // As DynamoDB does under load: some puts are written, the rest come back unprocessed.
            const [[table, requests]] = Object.entries(command.input.RequestItems as Record<string, unknown[]>) as [[string, unknown[]]];
            const refused = requests.slice(0, Math.min(toRefuse, requests.length - 1));
            toRefuse -= refused.length;
            calls.unprocessed += refused.length;
            const written = await db.client.send(new (command.constructor as any)({ RequestItems: { [table]: requests.slice(refused.length) } }));
            return { ...written, UnprocessedItems: { [table]: refused } };
          }
        }
        return db.client.send(command as any);
      }) as TableClient['send'],
    };
    return { client, calls };
  }

  beforeAll(async () => {
    db = await startDynalite();
    for (const table of ['source', 'target', 'retried']) await ensureTable(db.client, table);
    for (const Item of sample) await db.client.send(new PutItemCommand({ TableName: 'source', Item }));
  });
  afterAll(() => db?.stop());

  it('round trip: a paginated backup restores every item unchanged into an empty table', async () => {
    const { client, calls } = instrumented();
    const lines: string[] = [];
    expect(await backupTable(client, 'source', (line) => lines.push(line), { pageSize: 10 })).toBe(57);
    expect(calls.scans).toBe(6); // 57 items, 10 a page: pagination followed to the end
    expect(lines).toHaveLength(57);
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    // DynamoDB's export format: {"Item": {…}} with binary as base64.
    expect(JSON.parse(lines[0]!)).toMatchObject({ Item: { pk: { S: expect.any(String) }, digest: { B: expect.any(String) } } });

    expect(await restoreTable(db.client, 'target', itemsFromLines(lines.map((l) => l.trimEnd())))).toBe(57);
    expect(await scanAll('target')).toEqual(await scanAll('source'));
  });

  it('unprocessed items are retried until written', async () => {
    const lines: string[] = [];
    await backupTable(db.client, 'source', (line) => lines.push(line.trimEnd()));
    const { client, calls } = instrumented({ unprocessedFirst: 30 });
    const pauses: number[] = [];
    const count = await restoreTable(client, 'retried', itemsFromLines(lines), { sleep: async (ms) => void pauses.push(ms), concurrency: 1 });
    expect(count).toBe(57);
    expect(calls.unprocessed).toBe(30);
    expect(calls.batchWrites).toBeGreaterThan(3); // 3 batches of ≤25, plus the retries
    expect(pauses.length).toBeGreaterThan(0);
    expect(await scanAll('retried')).toEqual(await scanAll('source'));
  });

  it('gives up, naming the cause, when a batch makes no progress', async () => {
    const stuck: TableClient = {
      send: (async (command: { constructor: { name: string }; input: any }) => {
        if (command.constructor.name === 'BatchWriteItemCommand') return { UnprocessedItems: command.input.RequestItems };
        return db.client.send(command as any);
      }) as TableClient['send'],
    };
    await ensureTable(db.client, 'stuck');
    await expect(restoreTable(stuck, 'stuck', sample.slice(0, 3), { sleep: async () => undefined, maxAttemptsWithoutProgress: 3 })).rejects.toThrow(/unprocessed after 3 attempts/);
  });

  it('a table that holds items is refused unless forced; forced, items with the same key are replaced', async () => {
    const changed = { ...sample[0]!, title: { S: 'changed after the backup' } };
    await db.client.send(new PutItemCommand({ TableName: 'target', Item: changed }));
    await expect(restoreTable(db.client, 'target', sample)).rejects.toThrow(RestoreRefusedError);
    expect((await scanAll('target')).find((i) => i.pk!.S === sample[0]!.pk!.S)?.title).toEqual({ S: 'changed after the backup' });

    expect(await restoreTable(db.client, 'target', sample, { force: true })).toBe(57);
    expect(await scanAll('target')).toEqual(await scanAll('source'));
  });

  it('lines that are not one of ours fail with the line number', async () => {
    expect(() => itemFromLine('{"Item": {"pk": {"S": "a"}}', 3)).toThrow(/line 3: not JSON/);
    expect(() => itemFromLine('{"pk": {"S": "a"}, "sk": {"S": "b"}}', 4)).toThrow(/line 4: \{"Item"/);
    expect(() => itemFromLine('{"Item": {"pk": {"S": "a"}}}', 5)).toThrow(/line 5: the key attribute sk/);
    expect(() => itemFromLine('{"Item": {"pk": {"S": "a"}, "sk": {"S": "b"}, "n": {"N": "x"}}}', 6)).toThrow(/line 6: n: N must be a number/);
    expect(() => itemFromLine('{"Item": {"pk": {"S": "a"}, "sk": {"S": "b"}, "v": {"S": "x", "N": "1"}}}', 7)).toThrow(BackupFormatError);
    const items: Item[] = [];
    for await (const item of itemsFromLines([itemToLine(sample[1]!), '', itemToLine(sample[2]!)])) items.push(item);
    expect(items).toEqual([sample[1], sample[2]].map((i) => itemFromLine(itemToLine(i!), 1)));
    await expect(async () => {
      for await (const _ of itemsFromLines([itemToLine(sample[1]!), 'garbage'])) void _;
    }).rejects.toThrow(/line 2/);
  });
});
