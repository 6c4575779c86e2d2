import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
const text = '\uFEFFa,b\r\n1,"x\r\ny"\r\n2,"bad"q\r\n3,4,5\r\n\r\n4,"ok"\r\n5,"unterminated\r\n6,7\r\n';
const p = Readable.from([text]).pipe(parse({ bom: true, info: true, raw: true, relax_column_count: true, skip_records_with_error: true, max_record_size: 1000, skip_empty_lines: true }));
p.on('skip', (e: any) => console.log('SKIP', e.code, e.message, JSON.stringify(e.raw), e.lines));
for await (const r of p) console.log(JSON.stringify(r));
