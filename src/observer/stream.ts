// The observer's live feed: Server-Sent Events, one event per sample (1/s), each carrying the sample and the
// tables that move with it. SSE rather than polling because the page then costs one request and one token
// check per session instead of one a second, and rather than a WebSocket because the feed only flows one way.
// The browser reads it with fetch() and a stream reader, not EventSource, because EventSource cannot send the
// Authorization header and an admin token does not belong in a URL (it would land in access logs).
//
// Each event is serialised once for all clients. A client whose socket buffer is still full from the previous
// event skips this one rather than buffering: the server's memory per client is bounded by one event, and a
// client that fell behind re-reads the history when it reconnects.
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { AppError } from '../errors.ts';
import type { ProcessSampler, Sample } from './sampler.ts';

/** Open observer streams at once, across all admins; the observer is for a few people, not a crowd. */
export const OBSERVER_STREAMS_MAX = 16;
/** Tells EventSource-style clients how long to wait before reconnecting. */
const RECONNECT_DELAY_MS = 2_000;
export const EVENT_STREAM_TYPE = 'text/event-stream; charset=utf-8';

export class StreamHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #payload: (sample: Sample) => unknown;
  #skipped = 0;

  constructor(sampler: ProcessSampler, payload: (sample: Sample) => unknown) {
    this.#payload = payload;
    sampler.subscribe((sample) => this.#broadcast(sample));
  }

  get open(): number {
    return this.#clients.size;
  }

  /** Events not written to a client because its previous one was still unsent. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Takes over the reply and keeps it open as an event stream until the client leaves or the app closes. */
  attach(reply: FastifyReply): void {
    if (this.#clients.size >= OBSERVER_STREAMS_MAX) {
      throw new AppError('rate_limited', `at most ${OBSERVER_STREAMS_MAX} observer streams may be open at once`);
    }
    reply.hijack();
    const response = reply.raw;
    response.setHeader('content-type', EVENT_STREAM_TYPE);
    response.setHeader('cache-control', 'no-store');
    // Proxies such as nginx would otherwise hold events back to fill a buffer.
    response.setHeader('x-accel-buffering', 'no');
    // A stream's connection is never reused, and closing it with the stream lets a closing server finish at
    // once instead of waiting out the keep-alive timeout on it.
    response.setHeader('connection', 'close');
    response.writeHead(200);
    response.write(`retry: ${RECONNECT_DELAY_MS}\n\n`);
    this.#clients.add(response);
    response.once('close', () => { this.#clients.delete(response); });
  }

  /**
   * Drops every stream, so a closing server is not held open by them. Destroyed rather than ended: an ended
   * stream still waits for its last bytes to be read, and a client that stopped reading would hold the close.
   * The browser reconnects (to this server once it is back, or to another behind the same balancer).
   */
  closeAll(): void {
    for (const response of this.#clients) response.destroy();
    this.#clients.clear();
  }

  #broadcast(sample: Sample): void {
    if (this.#clients.size === 0) return;
    const event = `id: ${sample.sequence}\nevent: sample\ndata: ${JSON.stringify(this.#payload(sample))}\n\n`;
    for (const response of this.#clients) {
      if (response.writableNeedDrain) {
        this.#skipped += 1;
        continue;
      }
      response.write(event);
    }
  }
}
