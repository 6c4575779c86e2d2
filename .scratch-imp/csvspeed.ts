import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
const t = performance.now(); let n = 0;
const p = createReadStream(process.argv[2]).pipe(parse({ info: process.argv[3] === 'info', raw: process.argv[3] === 'info', relax_column_count: true }));
for await (const r of p) n++;
console.log(n, (performance.now() - t).toFixed(0), 'ms');
