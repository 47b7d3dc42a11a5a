/**
 * Low-level access to the one Kvorum table, shared by the repositories of each aggregate: consistent
 * reads, paginated queries and conditional writes that answer false/null instead of throwing when the
 * condition fails. Time comes from the injected clock.
 */
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Clock } from '../lib/clock.ts';
import type { Instant } from '../domain/types.ts';
import { marshall, type Item } from './attributes.ts';
import { isConditionalCheckFailed } from './errors.ts';
import { Expr } from './expression.ts';
import { strip, toSecondInstant, type Key } from './keys.ts';
import { GSI_ACTIVE } from './table.ts';

export class TableAccess {
  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
    readonly clock: Clock,
  ) {}

  /** Event timestamp, millisecond precision (orders events within a second). */
  stamp(): Instant {
    return this.clock.now().toISOString();
  }

  /** "Now" for comparisons with deadlines (whole seconds, the deadlines' format). */
  nowForDeadline(): Instant {
    return toSecondInstant(this.clock.now());
  }

  async get<T>(key: Key): Promise<T | null> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }),
    );
    return item ? strip<T>(item) : null;
  }

  async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let exclusiveStartKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: exclusiveStartKey }),
      );
      items.push(...(page.Items ?? []));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return items;
  }

  async queryPartition(pk: string, skPrefix?: string): Promise<Item[]> {
    const e = new Expr();
    let condition = `${e.n('pk')} = ${e.v(pk)}`;
    if (skPrefix) condition += ` AND begins_with(${e.n('sk')}, ${e.v(skPrefix)})`;
    return this.queryAll({ KeyConditionExpression: condition, ConsistentRead: true, ...e.params() });
  }

  async queryIndex(indexName: string, partition: string, skPrefix?: string): Promise<Item[]> {
    const e = new Expr();
    const [pkName, skName] = indexName === GSI_ACTIVE ? ['gsi2pk', 'gsi2sk'] : ['gsi1pk', 'gsi1sk'];
    let condition = `${e.n(pkName)} = ${e.v(partition)}`;
    if (skPrefix) condition += ` AND begins_with(${e.n(skName)}, ${e.v(skPrefix)})`;
    return this.queryAll({ IndexName: indexName, KeyConditionExpression: condition, ...e.params() });
  }

  /** PutItem with a condition; returns false when the condition failed. */
  async putIf(item: object, condition: string, e: Expr = new Expr()): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: marshall(item as Record<string, unknown>), ConditionExpression: condition, ...e.params() }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** PutItem only if no item has this key. */
  async putNew(item: Key & { [attribute: string]: unknown }): Promise<boolean> {
    const e = new Expr();
    return this.putIf(item, `attribute_not_exists(${e.n('pk')})`, e);
  }

  /** UpdateItem returning ALL_NEW, or null when the condition failed. */
  async update(key: Key, e: Expr, condition?: string): Promise<Item | null> {
    try {
      const { Attributes: attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(key),
          UpdateExpression: e.updateExpression(),
          ConditionExpression: condition,
          ReturnValues: 'ALL_NEW',
          ...e.params(),
        }),
      );
      return attributes ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return null;
      throw error;
    }
  }

  /** Consistent BatchGetItem of up to 100 keys; items come back keyed by "pk|sk", missing ones absent. */
  async batchGet(keyList: Key[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    let pending = keyList.map((key) => marshall(key));
    while (pending.length > 0) {
      const { Responses: responses, UnprocessedKeys: unprocessed } = await this.client.send(
        new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of responses?.[this.tableName] ?? []) found.set(`${item.pk?.S}|${item.sk?.S}`, item);
      pending = unprocessed?.[this.tableName]?.Keys ?? [];
    }
    return found;
  }

  /** DeleteItem with a condition; returns false when the condition failed. */
  async deleteIf(key: Key, condition: string, e: Expr): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: marshall(key), ConditionExpression: condition, ...e.params() }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

export { strip };
