// Arabic and Hebrew in the receipt and statement PDFs. pdfkit lays a line out left to right and shapes each word
// (the text up to and including a space) with fontkit, which reverses a word whose script is right-to-left: so
// "محمد عبد الله" printed its words in logical order from the left, each word's space on the wrong side, and digits
// inside an Arabic word reversed. Two steps fix it, and the frozen content keeps the logical string (only the
// drawing changes):
// 1. `visualOrder` reorders a line by the Unicode Bidirectional Algorithm (bidi-js: levels, reordering and mirrored
//    brackets), so pdfkit is given the characters in the order they are seen, left to right.
// 2. `drawsVisualOrder` wraps the embedded font's layout: each right-to-left stretch of a word (Arabic or Hebrew
//    letters, their marks and joiners) is turned back to logical order and shaped by fontkit as right-to-left,
//    which returns it in visual order; the rest is laid out left to right as given. fontkit's shaping of Arabic
//    is OpenType's (DejaVu Sans' GSUB: initial, medial, final and isolated forms, lam-alef ligatures, Persian
//    letters, marks placed by GPOS), so no presentation-form reshaper package is needed: its table would only
//    redo with less (no marks) what the font's own tables do.
// A word without a right-to-left letter goes through fontkit exactly as before, so other receipts keep their bytes.
// Limit: the reordering is per line of the stored text, before pdfkit wraps or cuts it; a right-to-left value long
// enough to wrap (over 345 pt on a receipt, about 60 letters) shows its logical end on the first line, and one cut
// with an ellipsis in a statement's column loses its logical start.
import bidiModule from 'bidi-js';
import type { Font, GlyphRun } from 'fontkit';

// bidi-js is CommonJS (module.exports = the factory) with types written as an ES module's default export, so
// TypeScript sees the factory one level down; Node's default import is module.exports itself.
const bidiFactory = bidiModule as unknown as typeof bidiModule.default;
const bidi = bidiFactory();

function isStrongRightToLeft(character: string): boolean {
  const type = bidi.getBidiCharTypeName(character);
  return type === 'R' || type === 'AL';
}

const ZERO_WIDTH_NON_JOINER = '\u200c';
const ZERO_WIDTH_JOINER = '\u200d';

/** Belongs to a right-to-left stretch: a letter, a mark on one, or a joiner (Persian writes ZWNJ inside words). */
function isInRightToLeftStretch(character: string): boolean {
  return isStrongRightToLeft(character) || bidi.getBidiCharTypeName(character) === 'NSM' || character === ZERO_WIDTH_NON_JOINER || character === ZERO_WIDTH_JOINER;
}

function hasRightToLeft(text: string): boolean {
  for (const character of text) if (isStrongRightToLeft(character)) return true;
  return false;
}

const HIGH_SURROGATE = /[\ud800-\udbff]/;
const LOW_SURROGATE = /[\udc00-\udfff]/;

/** One line (no line break inside) in visual order: bidi-js reorders UTF-16 units, so surrogate pairs are put back. */
function visualLine(line: string): string {
  const levels = bidi.getEmbeddingLevels(line, 'auto');
  const units = bidi.getReorderedIndices(line, levels).map((index) => ((levels.levels[index]! & 1) === 1 ? bidi.getMirroredCharacter(line[index]!) : null) ?? line[index]!);
  for (let index = 0; index + 1 < units.length; index += 1) {
    if (LOW_SURROGATE.test(units[index]!) && HIGH_SURROGATE.test(units[index + 1]!)) {
      [units[index], units[index + 1]] = [units[index + 1]!, units[index]!];
      index += 1;
    }
  }
  return units.join('');
}

/** The text in the order it is seen, left to right, line by line; unchanged when it has no right-to-left letter. */
export function visualOrder(text: string): string {
  if (!hasRightToLeft(text)) return text;
  return text.split('\n').map(visualLine).join('\n');
}

/** Splits a visual-order word into stretches, each right-to-left (with a letter) or not. */
function stretches(word: string): { text: string; rightToLeft: boolean }[] {
  const result: { text: string; rightToLeft: boolean }[] = [];
  for (const character of word) {
    const inStretch = isInRightToLeftStretch(character);
    const last = result.at(-1);
    if (last !== undefined && last.rightToLeft === inStretch) last.text += character;
    else result.push({ text: character, rightToLeft: inStretch });
  }
  // Marks or joiners alone (a combining accent after a Latin letter) are not a right-to-left stretch.
  for (const stretch of result) if (stretch.rightToLeft && !hasRightToLeft(stretch.text)) stretch.rightToLeft = false;
  return result;
}

/**
 * Makes `font` (a fontkit font handed to pdfkit's registerFont) lay out visual-order text: see the top of this
 * file. pdfkit reads a run's glyphs, positions and advanceWidth (the sum of the positions, which it scales in place).
 */
export function drawsVisualOrder(font: Font): Font {
  const layout = font.layout.bind(font);
  font.layout = (text, features, script, language, direction) => {
    if (!hasRightToLeft(text)) return layout(text, features, script, language, direction);
    let joined: GlyphRun | null = null;
    for (const stretch of stretches(text)) {
      const run = stretch.rightToLeft
        ? layout(Array.from(stretch.text).reverse().join(''), features, undefined, language, 'rtl')
        : layout(stretch.text, features, undefined, language, 'ltr');
      if (joined === null) joined = run;
      else {
        joined.glyphs = joined.glyphs.concat(run.glyphs);
        joined.positions = joined.positions.concat(run.positions);
      }
    }
    return joined!;
  };
  return font;
}
