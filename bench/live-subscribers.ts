// The live benchmark's subscribers: a process of its own (so that their sockets, parsing and memory are not the
// server's, and the approver's event loop is not theirs) holding N Server-Sent Events streams. Driven over IPC by
// bench/live.ts:
//   → { type: 'open', url, firstIndex, count, total, sampleEvery }   ← { type: 'opened', opened, failed }
//   → { type: 'collect' }                             ← { type: 'collected', ... }   (then it exits)
// Every subscriber reads every byte (one that stopped reading would be throttled by the server and make the
// rest look faster); one in `sampleEvery`, and the last one, also parse their events and time them.
import { Agent, request, type IncomingMessage } from 'node:http';

/** Connections opened at once: the server's listen backlog (511 in Node) is not overrun. */
const OPENING_AT_ONCE = 256;
/** A stream that has not sent its snapshot by then counts as failed. */
const SNAPSHOT_TIMEOUT_MS = 60_000;
/** Per sampled subscriber, updates whose timing is kept (about 40 minutes at 4 a second). */
const SAMPLED_UPDATES_MAX = 10_000;

/** Opens subscribers firstIndex … firstIndex + count - 1 of `total` (several messages build up one population). */
interface OpenMessage { type: 'open'; url: string; firstIndex: number; count: number; total: number; sampleEvery: number }
interface CollectMessage { type: 'collect' }

/** What one sampled subscriber saw: per update, when it arrived and the campaigns' donation counts in it. */
export interface SampledSubscriber {
  index: number;
  /** Epoch ms (sub-millisecond) of each update's arrival. */
  receivedMs: number[];
  /** The server's `first_change_ms` of each update. */
  firstChangeMs: number[];
  /** Per update: [campaign id, donations][] */
  counts: [string, number][][];
}

export interface CollectedMessage {
  type: 'collected';
  subscribers: number;
  ended: number;
  updatesMin: number;
  updatesMax: number;
  resyncs: number;
  bytes: number;
  sampled: SampledSubscriber[];
}

const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
const responses: IncomingMessage[] = [];
const updates: number[] = [];
let resyncs = 0;
let bytes = 0;
let ended = 0;
const sampled: SampledSubscriber[] = [];
const UPDATE_MARKER = Buffer.from('\nevent: update\n');
const RESYNC_MARKER = Buffer.from('\nevent: resync\n');

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function count(chunk: Buffer, marker: Buffer): number {
  let found = 0;
  for (let at = chunk.indexOf(marker); at >= 0; at = chunk.indexOf(marker, at + marker.length)) found += 1;
  return found;
}

/** A full event parser, for the sampled subscribers only. */
function sampler(sample: SampledSubscriber): (chunk: Buffer) => void {
  let buffer = '';
  return (chunk) => {
    const receivedMs = nowMs();
    buffer += chunk.toString('utf8');
    for (let boundary = buffer.indexOf('\n\n'); boundary >= 0; boundary = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      if (!block.includes('event: update') || sample.receivedMs.length >= SAMPLED_UPDATES_MAX) continue;
      const dataLine = block.split('\n').find((line) => line.startsWith('data: '));
      if (dataLine === undefined) continue;
      const payload = JSON.parse(dataLine.slice(6)) as { first_change_ms: number; campaigns?: { id: string; donations: number }[] };
      sample.receivedMs.push(receivedMs);
      sample.firstChangeMs.push(payload.first_change_ms);
      sample.counts.push((payload.campaigns ?? []).map((campaign) => [campaign.id, campaign.donations]));
    }
  };
}

function openOne(url: string, index: number, sample: SampledSubscriber | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), SNAPSHOT_TIMEOUT_MS);
    const outgoing = request(url, { agent, headers: { accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) { clearTimeout(timer); response.resume(); resolve(false); return; }
      responses.push(response);
      updates[index] = 0;
      const parse = sample ? sampler(sample) : undefined;
      let snapshotSeen = false;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        updates[index]! += count(chunk, UPDATE_MARKER);
        resyncs += count(chunk, RESYNC_MARKER);
        parse?.(chunk);
        if (!snapshotSeen && (chunk.includes('event: snapshot') || chunk.includes('event: update'))) {
          snapshotSeen = true;
          clearTimeout(timer);
          resolve(true);
        }
      });
      response.on('end', () => { ended += 1; });
      response.on('error', () => { ended += 1; });
    });
    outgoing.on('error', () => { clearTimeout(timer); resolve(false); });
    outgoing.end();
  });
}

async function open(message: OpenMessage): Promise<void> {
  let opened = 0;
  let failed = 0;
  const end = message.firstIndex + message.count;
  for (let start = message.firstIndex; start < end; start += OPENING_AT_ONCE) {
    const batch = Array.from({ length: Math.min(OPENING_AT_ONCE, end - start) }, (_value, offset) => {
      const index = start + offset;
      const isSampled = index % message.sampleEvery === 0 || index === message.total - 1;
      const sample: SampledSubscriber | undefined = isSampled ? { index, receivedMs: [], firstChangeMs: [], counts: [] } : undefined;
      if (sample) sampled.push(sample);
      return openOne(message.url, index, sample);
    });
    for (const ok of await Promise.all(batch)) if (ok) opened += 1; else failed += 1;
  }
  process.send!({ type: 'opened', opened, failed });
}

function collect(): void {
  const counts = updates.filter((value) => value !== undefined);
  const collected: CollectedMessage = {
    type: 'collected', subscribers: responses.length, ended, resyncs, bytes,
    updatesMin: Math.min(...counts), updatesMax: Math.max(...counts), sampled,
  };
  process.send!(collected, () => {
    for (const response of responses) response.destroy();
    process.exit(0);
  });
}

process.on('message', (message: OpenMessage | CollectMessage) => {
  if (message.type === 'open') void open(message);
  else if (message.type === 'collect') collect();
});
process.on('disconnect', () => process.exit(0));
