// A real Server-Sent Events client for tests: an HTTP request on a real socket, its body parsed into events as
// the EventSource specification says (fields up to a blank line; `:` lines are comments).
import { request, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
  json<T = Record<string, unknown>>(): T;
}

/** A test waits at most this long for an event before failing with what it did receive. */
const EVENT_WAIT_MS_MAX = 20_000;

export class SseStream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly events: SseEvent[] = [];
  readonly response: IncomingMessage;
  /** Every byte received, for asserting on what never appears. */
  text = '';
  #buffer = '';
  #waiters: (() => void)[] = [];
  ended = false;

  constructor(response: IncomingMessage) {
    this.response = response;
    this.status = response.statusCode ?? 0;
    this.headers = response.headers;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.#receive(chunk));
    response.on('end', () => { this.ended = true; this.#wake(); });
    response.on('error', () => { this.ended = true; this.#wake(); });
  }

  #receive(chunk: string): void {
    this.text += chunk;
    this.#buffer += chunk;
    let boundary = this.#buffer.indexOf('\n\n');
    while (boundary >= 0) {
      const block = this.#buffer.slice(0, boundary);
      this.#buffer = this.#buffer.slice(boundary + 2);
      this.#parse(block);
      boundary = this.#buffer.indexOf('\n\n');
    }
    this.#wake();
  }

  #parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'id') id = value;
      else if (name === 'event') event = value;
      else if (name === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const text = data.join('\n');
    this.events.push({ id, event, data: text, json: <T>() => JSON.parse(text) as T });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves with the first event (from index `from`) that matches; fails after EVENT_WAIT_MS_MAX. */
  async waitFor(match: (event: SseEvent) => boolean, from = 0): Promise<SseEvent> {
    const deadline = Date.now() + EVENT_WAIT_MS_MAX;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (this.ended) throw new Error(`stream ended before the awaited event; got ${this.events.map((event) => `${event.event}#${event.id}`).join(', ')}`);
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new Error(`no matching event within ${EVENT_WAIT_MS_MAX} ms; got ${this.events.map((event) => `${event.event}#${event.id}`).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.#waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  close(): void {
    this.response.destroy();
  }
}

/** Opens `url` as an event stream; resolves once the response headers arrive (any status). */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => resolve(new SseStream(response)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
