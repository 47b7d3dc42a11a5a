/**
 * Percent-decoding of URL path segments that never throws. `decodeURIComponent` throws a URIError on a
 * malformed escape (`%ZZ`, a lone `%`, bytes that are not UTF-8): that is the client's 400, never a 500.
 */

/** The decoded segment, or null when its %-escapes are malformed. */
export function decodePathSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * True when the value still holds a `%` that is no valid escape: a path segment that could not be
 * decoded (the local server, and API Gateway as far as it passes such a path on, hand it over as is).
 * No value the system issues (link tokens, ids) contains a `%`.
 */
export function hasMalformedEscape(value: string): boolean {
  return value.includes('%') && decodePathSegment(value) === null;
}
