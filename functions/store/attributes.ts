/**
 * Small marshall/unmarshall helpers (@aws-sdk/util-dynamodb is not installed).
 * Plain JSON-like values only: string → S, number → N, boolean → BOOL, null → NULL,
 * array → L, object → M. `undefined` properties are dropped (like removeUndefinedValues).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

export function toAttribute(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot store non-finite number ${value}`);
      return { N: String(value) };
    case 'boolean':
      return { BOOL: value };
    case 'object': {
      if (Array.isArray(value)) return { L: value.filter((v) => v !== undefined).map(toAttribute) };
      return { M: marshall(value as Record<string, unknown>) };
    }
    default:
      throw new TypeError(`Cannot store a value of type ${typeof value}`);
  }
}

export function marshall(record: Record<string, unknown>): Item {
  const item: Item = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) item[key] = toAttribute(value);
  }
  return item;
}

export function fromAttribute(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  if (attribute.M !== undefined) return unmarshall(attribute.M);
  if (attribute.SS !== undefined) return [...attribute.SS];
  if (attribute.NS !== undefined) return attribute.NS.map(Number);
  throw new TypeError(`Unsupported attribute ${JSON.stringify(attribute)}`);
}

export function unmarshall(item: Item): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, attribute] of Object.entries(item)) record[key] = fromAttribute(attribute);
  return record;
}
