import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BOM, startsWithBom } from './text-form.js';

/**
 * Writes through a temporary file in the same folder and a rename, so a reader never sees half a
 * file. `file` is a real path (a rename replaces a symlink); the file it replaces keeps its mode
 * and its BOM, which TypeScript dropped from the text the codemod edited.
 */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.poolshift-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let mode: number | undefined;
  let bom = false;
  try {
    mode = statSync(file).mode;
    bom = startsWithBom(readFileSync(file));
  } catch {
    // a new file
  }
  const written = bom && !text.startsWith(BOM) ? BOM + text : text;
  try {
    writeFileSync(tmp, written, mode === undefined ? undefined : { mode });
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
}
