// Writes N generated GDQ-like rows to a file.
import { createWriteStream } from 'node:fs';
const n = Number(process.argv[2]); const out = createWriteStream(process.argv[3]);
out.write('"donator","date","amount","with_comment"\n');
let chunk = '';
for (let i = 0; i < n; i++) {
  chunk += `"Donor, number ${i % 5000}","2017-01-0${1 + (i % 9)}T04:${String(i % 60).padStart(2,'0')}:28Z",${1 + (i % 500)}.${String(i % 100).padStart(2,'0')},TRUE\n`;
  if (chunk.length > 65536) { if (!out.write(chunk)) await new Promise(r => out.once('drain', r)); chunk = ''; }
}
out.end(chunk);
