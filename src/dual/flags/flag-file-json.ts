import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { FlagFileError } from '../../contract/errors.js';

/** jsonc-parser held to plain JSON: no comments, no trailing commas, nothing empty. */
const STRICT = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false } as const;

/** 'PropertyNameExpected' -> 'property name expected'. */
function words(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * Where `text` stops being JSON, as a person looks for it: line and column (1-based), what was
 * expected, and the line itself. JSON.parse on Node 20 gives no position for an unexpected token;
 * jsonc-parser's scanner gives the offset of the first error on any Node.
 */
export function jsonErrorAt(text: string, fallback: string): string {
  const errors: ParseError[] = [];
  parse(text, errors, STRICT);
  const first = errors[0];
  if (first === undefined) return fallback;
  const before = text.slice(0, first.offset).split('\n');
  const line = before.length;
  const column = before.at(-1)!.length + 1;
  const lineText = text.split('\n')[line - 1]!.trim().slice(0, 80);
  return `not JSON at line ${line}, column ${column}: ${words(printParseErrorCode(first.error))}${lineText ? ` (${JSON.stringify(lineText)})` : ''}`;
}

/** The flag file's document, or a FlagFileError `invalid-json` saying where it does not parse. */
export function parseFlagFile(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FlagFileError('invalid-json', path, jsonErrorAt(text, (err as Error).message.split('\n')[0]!.slice(0, 200)));
  }
}
