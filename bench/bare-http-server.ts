// The reference for cached reads: a bare node:http server that answers every request with one fixed response
// (status, headers and body given in a JSON file), the least any Node HTTP server can do per request. Run as
// `node bench/bare-http-server.ts <port> <response.json>`; it prints "listening" once it is.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

interface FixedResponse {
  /** Raw headers as a flat [name, value, …] list, as amanah sent them (less date, connection and keep-alive). */
  readonly headers: string[];
  readonly bodyBase64: string;
}

/** The same idle keep-alive allowance as Fastify's default (72 s), so held connections are not closed early. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

const [portText, file] = process.argv.slice(2);
if (portText === undefined || file === undefined) {
  console.error('usage: node bench/bare-http-server.ts <port> <response.json>');
  process.exit(2);
}
const fixed = JSON.parse(readFileSync(file, 'utf8')) as FixedResponse;
const body = Buffer.from(fixed.bodyBase64, 'base64');
const server = createServer((_request, response) => {
  response.writeHead(200, fixed.headers);
  response.end(body);
});
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
server.listen(Number(portText), '127.0.0.1', () => console.log('listening'));
process.once('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
