/** Public API of Kvorum's pure domain: the regulation's rules, no AWS. */
export type * from './types.ts';
export * from './result.ts';
export * from './time.ts';
export * from './roster.ts';
export * from './deadlines.ts';
export * from './quorum.ts';
export * from './tally.ts';
export * from './convene.ts';
