import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileOnceSync, openAtomicFile, writeFileAtomicSync } from '../../../local/atomic-file.ts';

/** State files of the local runtime (clock.json, the issuer's key, backups) are never seen half written. */
describe('atomic files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kvorum-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writeFileAtomicSync replaces the content whole and leaves no temporary file', () => {
    const file = path.join(dir, 'clock.json');
    writeFileSync(file, '{"offsetMs": 1}');
    writeFileAtomicSync(file, '{"offsetMs": 2}');
    expect(readFileSync(file, 'utf8')).toBe('{"offsetMs": 2}');
    expect(readdirSync(dir)).toEqual(['clock.json']);
  });

  it('until commit the old file is what readers see; abort keeps it and removes the temporary file', () => {
    const file = path.join(dir, 'backup.jsonl');
    writeFileSync(file, 'old\n');
    const out = openAtomicFile(file);
    out.write('new line 1\n');
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    // The temporary file is beside the target (same file system: the rename is atomic).
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toHaveLength(1);
    out.abort();
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['backup.jsonl']);

    const again = openAtomicFile(file);
    again.write('new line 1\n');
    again.write(Buffer.from('new line 2\n'));
    again.commit();
    expect(readFileSync(file, 'utf8')).toBe('new line 1\nnew line 2\n');
    expect(readdirSync(dir)).toEqual(['backup.jsonl']);
  });

  it('the mode is set on the new file', () => {
    const file = path.join(dir, 'secret.json');
    writeFileAtomicSync(file, 'x', { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('createFileOnceSync: the first content wins, a second never replaces it', () => {
    const file = path.join(dir, 'key.json');
    expect(createFileOnceSync(file, 'first', { mode: 0o600 })).toBe(true);
    expect(createFileOnceSync(file, 'second', { mode: 0o600 })).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['key.json']);
  });
});
