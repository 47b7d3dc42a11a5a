/**
 * zod/mini — the tree-shakable build of zod (about 20 KiB in a bundle, where `zod` brings 440 KiB) —
 * with zod's English messages, for the validation every Lambda runs (task input, calendar data, SES
 * events). Import it as `import * as z from '…/lib/zod-mini.ts'` rather than from 'zod/mini' so that
 * an issue says what is wrong instead of "Invalid input" (a namespace re-export such as
 * `export { z }` would defeat the tree-shaking). The HTTP handlers keep the full `zod`.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
