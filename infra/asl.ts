/**
 * The meeting state machine definition lives in workflows/meeting.asl.json with one placeholder
 * "${<aslName>Arn}" per task function of the manifest; the stack fills them with
 * `definitionSubstitutions`. These helpers keep the placeholder convention in one place.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HandlerSpec } from '../functions/manifest.ts';
import { PROJECT_ROOT } from './paths.ts';

export const ASL_RELATIVE_PATH = 'workflows/meeting.asl.json';
export const ASL_PATH = join(PROJECT_ROOT, ASL_RELATIVE_PATH);

/** The substitution key of a task: "OpenProposals" → "OpenProposalsArn". */
export function substitutionKey(aslName: string): string {
  return `${aslName}Arn`;
}

/** Every distinct "${name}" placeholder in an ASL text, sorted. */
export function aslPlaceholders(aslText: string): string[] {
  const names = new Set<string>();
  for (const match of aslText.matchAll(/\$\{([^}]+)\}/g)) {
    if (match[1] !== undefined) names.add(match[1]);
  }
  return [...names].sort();
}

export function readAsl(path: string = ASL_PATH): string {
  return readFileSync(path, 'utf8');
}

/** The aslName of a task handler; a task without one is a manifest error. */
export function aslNameOf(spec: HandlerSpec): string {
  if (spec.aslName === undefined) throw new Error(`Task handler ${spec.id} has no aslName in functions/manifest.ts`);
  return spec.aslName;
}
