import type { Lang } from './types.ts';

/** A message in every language the system speaks (SPEC «Language and time»). */
export type LocalisedText = Record<Lang, string>;

/** One specific problem with an input: which field, a stable code, and a message for people. */
export interface DomainError {
  /** Path of the offending field, e.g. "date", "agenda[2].title", "group.members". */
  field: string;
  /** Stable, machine-readable code, e.g. "meeting-in-past". */
  code: string;
  message: LocalisedText;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: DomainError[] };

export function domainError(field: string, code: string, ru: string, en: string): DomainError {
  return { field, code, message: { ru, en } };
}
