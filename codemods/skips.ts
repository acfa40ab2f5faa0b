/**
 * Why `--write` left a file it had rewritten as it was. Codes are stable (the JSON report carries
 * them, the README explains each); a skipped file never stops the others from being written.
 */
export const SKIP_REASONS = {
  // git cannot restore a file outside the tree it was asked to rewrite.
  'outside-tree': 'its real path is outside the paths given (reached through a symlinked folder)',
  // Writing through the link would change that file; replacing the link would break it.
  'symlink-outside-tree': 'a symlink to a file outside the paths given',
  // Its owner made it so on purpose (a generated or vendored file): not ours to overwrite.
  'read-only': 'the file is read-only',
} as const;

export type SkipCode = keyof typeof SKIP_REASONS;

/** A file not written: its code and a message naming what was found (a real path, a mode). */
export interface WriteSkip {
  code: SkipCode;
  message: string;
}

export function skip(code: SkipCode, detail: string): WriteSkip {
  return { code, message: `${SKIP_REASONS[code]}: ${detail}` };
}
