/** Builds DynamoDB expressions with placeholder names and values, so user data never enters expression text. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { toAttribute } from './attributes.ts';

export class Expr {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, AttributeValue> = {};
  private valueCount = 0;
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];

  /** A document path from its segments: n('votes', memberId, itemId) → "#n0.#n1.#n2". */
  n(...segments: string[]): string {
    return segments
      .map((segment) => {
        let placeholder = this.names.get(segment);
        if (!placeholder) {
          placeholder = `#n${this.names.size}`;
          this.names.set(segment, placeholder);
        }
        return placeholder;
      })
      .join('.');
  }

  v(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = toAttribute(value);
    return placeholder;
  }

  /** SET path = value (value undefined → skipped; null → REMOVE). */
  set(path: string[], value: unknown): this {
    if (value === undefined) return this;
    if (value === null) return this.remove(path);
    this.sets.push(`${this.n(...path)} = ${this.v(value)}`);
    return this;
  }

  /** SET path = raw right-hand side built with n()/v(). */
  setRaw(path: string[], rhs: string): this {
    this.sets.push(`${this.n(...path)} = ${rhs}`);
    return this;
  }

  /** SET path = if_not_exists(path, value). */
  setIfMissing(path: string[], value: unknown): this {
    const p = this.n(...path);
    this.sets.push(`${p} = if_not_exists(${p}, ${this.v(value)})`);
    return this;
  }

  remove(path: string[]): this {
    this.removes.push(this.n(...path));
    return this;
  }

  add(path: string[], value: number): this {
    this.adds.push(`${this.n(...path)} ${this.v(value)}`);
    return this;
  }

  updateExpression(): string {
    const parts: string[] = [];
    if (this.sets.length) parts.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length) parts.push(`REMOVE ${this.removes.join(', ')}`);
    if (this.adds.length) parts.push(`ADD ${this.adds.join(', ')}`);
    return parts.join(' ');
  }

  /** ExpressionAttributeNames / Values, omitted when empty (DynamoDB rejects empty maps). */
  params(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
  } {
    const out: {
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, AttributeValue>;
    } = {};
    if (this.names.size) out.ExpressionAttributeNames = Object.fromEntries([...this.names].map(([name, ph]) => [ph, name]));
    if (this.valueCount) out.ExpressionAttributeValues = { ...this.values };
    return out;
  }
}
