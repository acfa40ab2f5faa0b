/**
 * What a file looks like besides its code: its line endings and a leading BOM. The codemod's edits
 * write `\n`, and TypeScript drops the BOM when it reads a file; a rewritten file keeps both as
 * they were, so its diff shows the edits only.
 */
export const BOM = '\uFEFF';

/** `\r\n` when more lines end so than with a bare `\n` (ties and one-line files: `\n`). */
export function dominantLineEnding(text: string): '\n' | '\r\n' {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

/** Every line of `text` ended with `eol`: one ending throughout, never a mix. */
export function withLineEnding(text: string, eol: '\n' | '\r\n'): string {
  return text.replace(/\r?\n/g, eol);
}

/** Does this file content (as read from disk) start with a UTF-8 BOM? */
export function startsWithBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}
