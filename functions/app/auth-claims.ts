/**
 * The admin token's claims, read exactly: a claim that could mean two things grants nothing.
 *
 * API Gateway's HTTP API JWT authorizer hands the integration every claim as a string: an array claim
 * such as `cognito:groups: ["chair", "secretary"]` arrives as "[chair secretary]" (brackets, one space
 * between the values, no quotes), a boolean as "true". A token read directly (the local runtime) keeps
 * the JSON types. Cognito group names match [\p{L}\p{M}\p{S}\p{N}\p{P}]+ (CreateGroup): no whitespace,
 * so a space in the bracketed form always separates two groups.
 */

/** A group name as Cognito allows it, without the characters the renderings use as delimiters. */
function isGroupName(value: unknown): value is string {
  return typeof value === 'string' && /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(value) && !/[[\]",]/.test(value);
}

function exactNames(values: unknown[]): string[] {
  return values.every(isGroupName) ? values : [];
}

/**
 * The caller's groups from `cognito:groups`: an array of names; a JSON array in a string; the bracketed
 * list API Gateway renders ("[chair secretary]", "[]"); or one exact name ("chair"). Anything else —
 * a comma list, stray spaces ("vice chair"), quotes, a non-string element — is no group at all.
 */
export function parseGroupsClaim(value: unknown): string[] {
  if (Array.isArray(value)) return exactNames(value);
  if (typeof value !== 'string') return [];
  if (value.startsWith('[') && value.endsWith(']')) {
    const json = parseJsonArray(value);
    if (json) return exactNames(json);
    const inner = value.slice(1, -1);
    return inner === '' ? [] : exactNames(inner.split(' '));
  }
  return isGroupName(value) ? [value] : [];
}

function parseJsonArray(text: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `email_verified` is true: the boolean of a token read directly, or the "true" API Gateway renders. */
export function isEmailVerified(value: unknown): boolean {
  return value === true || value === 'true';
}
