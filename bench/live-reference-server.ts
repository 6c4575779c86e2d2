// The live benchmark's reference: the least a Node process can do to fan an event out to N Server-Sent Events
// streams. A bare node:http server that, every `intervalMs`, writes one prepared message of `messageBytes` (an
// `update` event whose first_change_ms is the moment the write loop starts) to every open stream. No database,
// no hub, no per-client state beyond the response object: what is left is the cost of the sockets themselves.
// Run as `node bench/live-reference-server.ts <port> <intervalMs> <messageBytes>`; prints "listening" when ready.
import { createServer, type ServerResponse } from 'node:http';

const [portText, intervalText, bytesText] = process.argv.slice(2);
const port = Number(portText);
const intervalMs = Number(intervalText);
const messageBytes = Number(bytesText);
if (!Number.isInteger(port) || !Number.isInteger(intervalMs) || !Number.isInteger(messageBytes)) {
  console.error('usage: node bench/live-reference-server.ts <port> <intervalMs> <messageBytes>');
  process.exit(2);
}

const streams = new Set<ServerResponse>();
let seq = 0;

const server = createServer((request, response) => {
  if (request.url === '/readyz') { response.end('ok'); return; }
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
  response.write('retry: 2000\n\n');
  // The same first message amanah sends, so a subscriber counts the stream as open.
  response.write('id: 0\nevent: snapshot\ndata: {"campaigns":[]}\n\n');
  streams.add(response);
  response.once('close', () => streams.delete(response));
});

setInterval(() => {
  if (streams.size === 0) return;
  seq += 1;
  const head = `id: ${seq}\nevent: update\ndata: {"first_change_ms":${performance.timeOrigin + performance.now()},"campaigns":[],"padding":"`;
  const tail = '"}\n\n';
  const message = Buffer.from(`${head}${'x'.repeat(Math.max(0, messageBytes - head.length - tail.length))}${tail}`);
  for (const stream of streams) stream.write(message);
}, intervalMs);

server.listen(port, '127.0.0.1', () => console.log('listening'));
process.once('SIGTERM', () => process.exit(0));
