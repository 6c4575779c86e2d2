// A payment provider on loopback for the verification tests: a real node:http server that answers each
// reference as the test scripts it (correctly, slowly, wrongly, or never), and records what it saw: requests
// per reference, requests in flight and their maximum, and which requests the client gave up on (the socket
// closed before the answer was sent).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | { kind: 'paid'; amount: string; currency: string }
  | { kind: 'failed' }
  | { kind: 'pending' }
  /** Answers paid after `delayMs` (a test sets it far beyond the verifier's timeout). */
  | { kind: 'slow'; delayMs: number; amount: string; currency: string }
  /** Holds the request until the test calls `release(reference)`, then answers paid. */
  | { kind: 'held'; amount: string; currency: string }
  /** Takes the request and never answers. */
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'status'; code: number }
  /** Holds the request until `size` requests are held (or `total` arrived in all), then answers all paid. */
  | { kind: 'gate'; size: number; total: number; amount: string; currency: string };

export interface ProviderServer {
  url: string;
  behaviours: Map<string, Behaviour>;
  requests: Map<string, number>;
  inFlight: number;
  inFlightMax: number;
  /** References whose request was closed by the client before any answer was sent. */
  abandoned: Set<string>;
  /** Resolves once the client has closed the request for `reference` without waiting for an answer. */
  abandonedOnce(reference: string): Promise<void>;
  /** Resolves once a request for `reference` has arrived. */
  arrived(reference: string): Promise<void>;
  /** Answers the held request for `reference`. */
  release(reference: string): void;
  close(): Promise<void>;
}

export async function startProviderServer(): Promise<ProviderServer> {
  const state = {
    behaviours: new Map<string, Behaviour>(),
    requests: new Map<string, number>(),
    inFlight: 0,
    inFlightMax: 0,
    abandoned: new Set<string>(),
  };
  const waiters = new Map<string, () => void>();
  const arrivals = new Map<string, () => void>();
  const releases = new Map<string, () => void>();
  const held: Array<() => void> = [];
  let gateArrivals = 0;

  const answer = (response: ServerResponse, status: number, body: string) => {
    if (response.destroyed) return;
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/payments\/([^/?]+)$/.exec(request.url ?? '');
    const reference = match ? decodeURIComponent(match[1]!) : '';
    state.requests.set(reference, (state.requests.get(reference) ?? 0) + 1);
    state.inFlight += 1;
    state.inFlightMax = Math.max(state.inFlightMax, state.inFlight);
    let timer: NodeJS.Timeout | undefined;
    response.on('close', () => {
      state.inFlight -= 1;
      clearTimeout(timer);
      if (!response.writableFinished) {
        state.abandoned.add(reference);
        waiters.get(reference)?.();
      }
    });
    arrivals.get(reference)?.();
    const behaviour = state.behaviours.get(reference);
    if (!behaviour) return answer(response, 404, JSON.stringify({ error: 'unknown reference' }));
    switch (behaviour.kind) {
      case 'paid': return answer(response, 200, JSON.stringify({ status: 'paid', amount: behaviour.amount, currency: behaviour.currency }));
      case 'failed': return answer(response, 200, JSON.stringify({ status: 'failed' }));
      case 'pending': return answer(response, 200, JSON.stringify({ status: 'pending' }));
      case 'malformed': return answer(response, 200, '{"status": "paid", "amount": ');
      case 'status': return answer(response, behaviour.code, JSON.stringify({ error: 'provider trouble' }));
      case 'hang': return undefined;
      case 'held': {
        releases.set(reference, () => answer(response, 200, JSON.stringify({ status: 'paid', amount: behaviour.amount, currency: behaviour.currency })));
        return undefined;
      }
      case 'slow': {
        timer = setTimeout(() => answer(response, 200, JSON.stringify({ status: 'paid', amount: behaviour.amount, currency: behaviour.currency })), behaviour.delayMs);
        return undefined;
      }
      case 'gate': {
        gateArrivals += 1;
        held.push(() => answer(response, 200, JSON.stringify({ status: 'paid', amount: behaviour.amount, currency: behaviour.currency })));
        if (held.length >= behaviour.size || gateArrivals >= behaviour.total) for (const release of held.splice(0)) release();
        return undefined;
      }
    }
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The returned object is `state` itself, so its counters are live.
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    abandonedOnce(reference: string) {
      if (state.abandoned.has(reference)) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.set(reference, resolve));
    },
    arrived(reference: string) {
      if (state.requests.has(reference)) return Promise.resolve();
      return new Promise<void>((resolve) => arrivals.set(reference, resolve));
    },
    release(reference: string) {
      const release = releases.get(reference);
      if (!release) throw new Error(`no held request for ${reference}`);
      release();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A loopback URL where nothing listens: connections to it are refused. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
