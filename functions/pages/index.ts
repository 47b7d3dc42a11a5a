/** Member pages: pure renderers returning `{ status, html }` (see layout.ts for PAGE_CSP). */
export * from './layout.ts';
export * from './member.ts';
export * from './results.ts';
