import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (infra/ lives directly under it). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
