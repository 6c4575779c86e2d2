// What text amanah accepts from outside: every field of every route, every imported cell. Pure functions, no
// I/O, so the HTTP layer, the intake batch and the import all apply one rule.
//
// Refused everywhere:
// - C0 and C1 control characters and DEL (U+0000–U+001F, U+007F–U+009F). PostgreSQL text cannot hold
//   U+0000 at all (a NUL that reaches a query fails the statement, and with it a whole group-commit batch), and
//   the others are never part of a name, a reference or an email; in a CSV export or a terminal they are a way
//   to hide or forge content.
// - The bidirectional embedding, override and isolate characters U+202A–U+202E and U+2066–U+2069, which can
//   make a name or reference display as something other than what it is (Trojan Source, CVE-2021-42574).
// - Lone UTF-16 surrogates: they have no UTF-8 form, so the driver would silently store U+FFFD instead and the
//   text would not round-trip.
// - In a one-line field, also U+2028/U+2029 (line and paragraph separators).
// Accepted: every script's letters, marks and digits, as sent (no normalisation, so a name reads back byte
// for byte), and the directional marks U+200E/U+200F that right-to-left names legitimately need.
// Multi-line fields (a campaign description, a staff reason) may also hold tab, line feed and carriage return.

export type TextKind = 'line' | 'multiline';

/** The fields, by name, that may span lines; everything else is one line. */
export const MULTILINE_FIELDS: ReadonlySet<string> = new Set(['description', 'reason']);

export function textKindOf(field: string): TextKind {
  return MULTILINE_FIELDS.has(field) ? 'multiline' : 'line';
}

// One pass each; the common case (plain text) matches nothing and costs one regex scan.
// Matching control characters is the point of these two patterns.
/* eslint-disable no-control-regex */
const REFUSED_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
const REFUSED_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
/* eslint-enable no-control-regex */

function describe(char: string): string {
  const code = char.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return `a control character (${hex})`;
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return `a bidirectional override or isolate character (${hex})`;
  return `a line separator (${hex})`;
}

/**
 * Why `text` is not acceptable as a `kind` field, or undefined when it is. The reason names the character by
 * its code point, never by echoing it.
 */
export function textProblem(text: string, kind: TextKind = 'line'): string | undefined {
  const match = (kind === 'multiline' ? REFUSED_MULTILINE : REFUSED_LINE).exec(text);
  if (match) return `contains ${describe(match[0])}`;
  // isWellFormed is false only for a lone surrogate, which a regex with the u flag cannot match by itself.
  if (!text.isWellFormed()) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

export interface TextFault {
  /** Where the fault is: a field name, or a path like "rows/3/name" inside a nested value. */
  readonly field: string;
  readonly problem: string;
}

/** Walks parsed JSON (or a query or params object): the first string, or object key, that is refused. */
export function findTextFault(value: unknown, path: string, kind: TextKind = 'line', depthMax = 32): TextFault | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value, kind);
    return problem === undefined ? undefined : { field: path, problem };
  }
  if (typeof value !== 'object' || value === null || depthMax === 0) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const fault = findTextFault(value[index], join(path, String(index)), kind, depthMax - 1);
      if (fault) return fault;
    }
    return undefined;
  }
  // Not bytes or a stream (an import's file is a stream body, read and checked cell by cell elsewhere). Fastify's
  // params and query are objects of a null-prototype class, so the test is what the value is not.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || typeof (value as { pipe?: unknown }).pipe === 'function') return undefined;
  for (const [key, member] of Object.entries(value)) {
    const keyProblem = textProblem(key, 'line');
    if (keyProblem) return { field: join(path, key), problem: `has a member name that ${keyProblem}` };
    const fault = findTextFault(member, join(path, key), path === '' ? textKindOf(key) : kind, depthMax - 1);
    if (fault) return fault;
  }
  return undefined;
}

function join(path: string, member: string): string {
  return path === '' ? member : `${path}/${member}`;
}

/**
 * The key that says two emails are one donor, the same in TypeScript and SQL (migration 0007's email_key()):
 * ASCII letters folded to lower case, everything else as written. Full Unicode lower-casing differs between
 * JavaScript and PostgreSQL (and between PostgreSQL locales): 'İ' becomes 'i̇' in one and 'i' in another,
 * 'Σ' at the end of a word 'ς' or 'σ', so a donor matched by one and looked up by the other was lost. Domain
 * names are ASCII (or punycode) on the wire, and a mailbox name is case-sensitive by RFC 5321 (ASCII folding is the one people rely on), so
 * folding ASCII only merges exactly the addresses that are the same mailbox.
 */
export function emailKey(email: string): string {
  return email.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
