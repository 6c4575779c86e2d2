// A bare clone passes its tests: no source, test or benchmark resolves a path outside the repository, and the
// real data they use is the project's own copy, with the totals its README promises.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GDQ_DIRECTORY } from '../helpers/gdq.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const CODE_FOLDERS = ['src', 'test', 'bench', 'bin', '.ci'];
/** `new URL('<relative>', import.meta.url)` and `join(...)`-style literals that climb out of a folder. */
const RELATIVE_URL = /new URL\(\s*['"`](\.\.?\/[^'"`]*)['"`]\s*,\s*import\.meta\.url\s*\)/g;

function* codeFiles(folder: string): Generator<string> {
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) yield* codeFiles(path);
    else if (/\.(ts|js|mjs|cjs)$/.test(entry) || entry === 'run') yield path;
  }
}

test('every relative URL in the code resolves inside the repository', () => {
  const outside: string[] = [];
  for (const folder of CODE_FOLDERS) {
    for (const file of codeFiles(join(REPOSITORY, folder))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(RELATIVE_URL)) {
        const target = resolve(dirname(file), match[1]!);
        if (relative(REPOSITORY, target).startsWith('..')) outside.push(`${relative(REPOSITORY, file)}: ${match[1]}`);
      }
      if (/shared\/data|\.\.\/\.\.\/\.\.\/shared/.test(text) && !file.endsWith('self-contained.test.ts')) {
        outside.push(`${relative(REPOSITORY, file)}: names the shared folder`);
      }
    }
  }
  assert.deepEqual(outside, []);
});

test('the GDQ data is in the repository, with a README that lists every file it holds', () => {
  assert.equal(relative(REPOSITORY, GDQ_DIRECTORY).startsWith('..'), false);
  const readme = readFileSync(join(GDQ_DIRECTORY, 'README.md'), 'utf8');
  const listed = [...readme.matchAll(/^\| (\S+\.csv) \| (\d+) \|/gm)].map((match) => match[1]);
  const files = readdirSync(GDQ_DIRECTORY).filter((name) => name.endsWith('.csv')).sort();
  assert.deepEqual([...listed].sort(), files);
  assert.equal(files.length, 17);
  // The row counts the README promises are the files' own (one header line, one line per donation, no blank
  // lines inside quoted fields in this data set).
  for (const match of readme.matchAll(/^\| (\S+\.csv) \| (\d+) \|/gm)) {
    const lines = readFileSync(join(GDQ_DIRECTORY, match[1]!), 'utf8').split('\n').filter((line) => line !== '');
    assert.equal(lines.length - 1, Number(match[2]), match[1]);
  }
});
