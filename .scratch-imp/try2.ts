import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
for (const text of ['a,b\n1,"x\ny"\n2,3\n', 'a,b\r\n1,"x\r\ny"\r\n2,3\r\n', 'a,b\n1,"x""y\n"\n2,"bad"q\n3,4\n4,5\n']) {
const p = Readable.from([text]).pipe(parse({ info: true, raw: true, relax_column_count: true, skip_records_with_error: true }));
p.on('skip', (e: any) => console.log('SKIP', e.code, JSON.stringify(e.raw), e.lines));
for await (const r of p) console.log(JSON.stringify([r.record, r.raw, r.info.lines]));
console.log('--');
}
