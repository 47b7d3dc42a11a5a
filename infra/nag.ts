/**
 * cdk-nag 3 helpers. Findings of granular rules (IAM5) name the offending resource as it reads
 * in the template, with intrinsics flattened ("<Table.Arn>/index/*"); acknowledgements must use
 * exactly that text, so build it from the same token instead of copying logical IDs by hand.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Same flattening as cdk-nag's flattenCfnReference (lib/utils/flatten-cfn-reference.js). */
export function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flattenCfnReference).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flattenCfnReference(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
    }
    if (o['Fn::ImportValue'] !== undefined) return flattenCfnReference(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${flattenCfnReference(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** The IAM5 finding id for a wildcard resource given as a (possibly tokenised) string. */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}

/** Acknowledges one rule (or one finding) on a construct and everything below it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
