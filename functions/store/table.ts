/**
 * The one Kvorum table, as plain data, so the CDK stack and the local runtime create the same table.
 * Key layout and access patterns: ACCESS_PATTERNS.md beside this file.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export type KeyType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface GlobalSecondaryIndexSchema {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** Every index projects all attributes. */
  projection: 'ALL';
}

export interface TableSchema {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: GlobalSecondaryIndexSchema[];
  /** No TTL attribute: dynalite never expires items, so nothing relies on TTL. */
  billingMode: 'PAY_PER_REQUEST';
}

export const tableSchema = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    // Listings: all groups, meetings of a group (by start), links of a meeting.
    { indexName: 'gsi1', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' }, projection: 'ALL' },
    // Sparse: only meetings whose phase is not terminal (resume after a restart).
    { indexName: 'gsi2', partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' }, projection: 'ALL' },
  ],
  billingMode: 'PAY_PER_REQUEST',
} as const satisfies TableSchema;

export const GSI_LISTINGS = 'gsi1';
export const GSI_ACTIVE = 'gsi2';

/** CreateTable input for the schema above. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const schema: TableSchema = tableSchema;
  const attributes = new Map<string, KeyType>();
  for (const key of [schema.partitionKey, schema.sortKey]) attributes.set(key.name, key.type);
  for (const index of schema.globalSecondaryIndexes) {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    attributes.set(index.sortKey.name, index.sortKey.type);
  }
  return {
    TableName: tableName,
    BillingMode: schema.billingMode,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: schema.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: schema.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

async function isActive(client: DynamoDBClient, tableName: string): Promise<boolean | 'missing'> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    return Table?.TableStatus === 'ACTIVE' && indexesActive;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return 'missing';
    throw error;
  }
}

/** Creates the table if it is missing and waits until it and its indexes are ACTIVE. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollMs = options.pollMs ?? 50;
  let state = await isActive(client, tableName);
  if (state === 'missing') {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (error) {
      // Someone else created it at the same time: just wait for it.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  // Polling with wall time is about infrastructure readiness, not business time.
  const started = Date.now();
  while (state !== true) {
    if (Date.now() - started > timeoutMs) throw new Error(`Table ${tableName} did not become ACTIVE in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    state = await isActive(client, tableName);
  }
}
