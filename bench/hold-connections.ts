// Opens N keep-alive connections to a server, sends one GET on each and keeps every one open after its answer,
// so the server holds N idle keep-alive connections. Run as `node bench/hold-connections.ts <url> <count>`; it
// prints "held <count>" once every connection has been answered, and closes them all on SIGTERM or stdin EOF.
// A process of its own, so the client's sockets and memory are not counted with the server's.
import { connect, type Socket } from 'node:net';

/** Connections opened at once: the server's listen backlog (511 in Node) is not overrun. */
const OPENING_AT_ONCE = 256;
/** A connection that is not answered within this fails the run. */
const ANSWER_TIMEOUT_MS = 30_000;

const [urlText, countText] = process.argv.slice(2);
if (urlText === undefined || countText === undefined) {
  console.error('usage: node bench/hold-connections.ts <url> <count>');
  process.exit(2);
}
const url = new URL(urlText);
const count = Number(countText);
const request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`;
const sockets: Socket[] = [];

function openOne(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const timer = setTimeout(() => reject(new Error('no answer in time')), ANSWER_TIMEOUT_MS);
    socket.once('error', reject);
    socket.once('connect', () => socket.write(request));
    // The first bytes of the answer: the request was served and the connection stays open (the response is
    // small, so one chunk holds all of it). Later data would be a protocol error; it is read and dropped.
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      if (!chunk.toString('latin1', 0, 12).startsWith('HTTP/1.1 200')) reject(new Error(`answered ${chunk.toString('latin1', 0, 40)}`));
      socket.on('data', () => {});
      sockets.push(socket);
      resolve();
    });
  });
}

for (let opened = 0; opened < count; opened += OPENING_AT_ONCE) {
  await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, count - opened) }, openOne));
}
console.log(`held ${sockets.length}`);
const closeAll = () => { for (const socket of sockets) socket.destroy(); process.exit(0); };
process.once('SIGTERM', closeAll);
process.stdin.on('end', closeAll);
process.stdin.resume();
