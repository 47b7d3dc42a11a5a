import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput, ensureTable, tableSchema } from '../../../functions/store/table.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';

describe('table schema and ensureTable (dynalite)', () => {
  let db: RunningDynalite;
  beforeAll(async () => {
    db = await startDynalite({ createTableMs: 200 });
  });
  afterAll(() => db.stop());

  it('createTableInput mirrors the plain-data schema', () => {
    const input = createTableInput('t');
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.KeySchema).toEqual([
      { AttributeName: tableSchema.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: tableSchema.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(input.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(tableSchema.globalSecondaryIndexes.map((i) => i.indexName));
    // Every key attribute is defined exactly once.
    const names = input.AttributeDefinitions?.map((a) => a.AttributeName) ?? [];
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'pk', 'sk']);
  });

  it('creates a missing table, waits until it and its indexes are ACTIVE, and is idempotent', async () => {
    await ensureTable(db.client, 'kvorum-ensure');
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: 'kvorum-ensure' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.every((i) => i.IndexStatus === 'ACTIVE')).toBe(true);
    await ensureTable(db.client, 'kvorum-ensure');
    // Two callers at once (local runtime + a test) both succeed.
    await Promise.all([ensureTable(db.client, 'kvorum-race'), ensureTable(db.client, 'kvorum-race')]);
    const race = await db.client.send(new DescribeTableCommand({ TableName: 'kvorum-race' }));
    expect(race.Table?.TableStatus).toBe('ACTIVE');
  });
});
