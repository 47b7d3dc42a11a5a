import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * Files the local runtime keeps (the clock offset, the issuer's key, backups) are never seen half
 * written: the data goes to a temporary file in the same directory (same file system, so the final
 * step is atomic), is flushed to disk, and only then takes the file's name. A crash at any line leaves
 * the old file or the new one, and at worst a stray `.<name>.<random>.tmp`.
 */

export interface AtomicFile {
  /** Appends to the temporary file. */
  write(data: string | Uint8Array): void;
  /** Flushes and gives the temporary file the final name, replacing what was there. */
  commit(): void;
  /** Forgets the temporary file; the final name is untouched. */
  abort(): void;
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** A file written piece by piece (a backup of any size) that appears under its name whole or not at all. */
export function openAtomicFile(file: string, options: { mode?: number } = {}): AtomicFile {
  const temp = tempNameFor(file);
  const fd = openSync(temp, 'wx', options.mode ?? 0o644);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
  return {
    write(data) {
      writeAll(fd, data);
    },
    commit() {
      fsyncSync(fd);
      close();
      renameSync(temp, file);
    },
    abort() {
      close();
      unlinkSync(temp);
    },
  };
}

/** Replaces the file's content atomically. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  const out = openAtomicFile(file, options);
  try {
    out.write(data);
    out.commit();
  } catch (error) {
    try {
      out.abort();
    } catch {
      // Already renamed or gone: nothing left to clean up.
    }
    throw error;
  }
}

/**
 * Creates the file with this content unless it exists; never replaces it. Returns false when the
 * file was already there (made by an earlier run, or by another process at the same moment).
 */
export function createFileOnceSync(file: string, data: string | Uint8Array, options: { mode?: number } = {}): boolean {
  const temp = tempNameFor(file);
  const fd = openSync(temp, 'wx', options.mode ?? 0o644);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // A hard link, unlike a rename, fails when the name is taken: whole content or none, first one wins.
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}
