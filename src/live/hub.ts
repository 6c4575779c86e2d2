// The live hub: turns the change feed into one Server-Sent Events stream per browser.
//
// Changes are collected, not pushed one by one. A flush runs at most once per flushIntervalMs (at once if the
// last was longer ago): it loads every campaign and donation touched since the previous flush in one query
// each, whatever the number of subscribers, serialises the update once per audience (public, staff) and writes
// the same bytes to every subscriber. However many donations arrive, a subscriber gets at most
// 1000 / flushIntervalMs events a second, and the database sees two queries per flush.
//
// Each event gets the next sequence number and goes into a ring of recent events (bounded in count and bytes).
// A subscriber is a cursor into that ring: a reconnect with Last-Event-ID resumes from the ring, so nothing is
// lost or repeated. A subscriber that stops reading is not written to while its socket buffer holds more than
// clientBufferBytesMax; it catches up from the ring when its socket drains, or, if the ring has moved past it,
// gets a `resync` (a full snapshot). Snapshots are loaded inside the flush, after the update's own reads, so a
// snapshot is never older than the event whose id it carries, and the next update is never older than it.
//
// Sizing: at LIVE_FLUSH_INTERVAL_MS = 250 a subscriber receives ≤ 4 events/s. An update carries ~110 bytes per
// changed campaign (totals only, see #wireCampaign): 2.3 KB for 20 busy campaigns (bench/live.ts). A socket write
// costs ~9 µs of CPU here, so a fan-out to 10,000 subscribers is ~90 ms of event loop (bench/live.ts measured
// 96 ms), 36% of one core at four flushes a second; past LIVE_FANOUT_LOOP_SHARE_MAX the flushes space out
// instead. Each subscriber costs the process ~17 KB resident (8.6 KB of it heap), against 26.5 KB for a bare
// node:http server writing through ServerResponse (same benchmark).
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.ts';
import type { ChangeEvent, ChangeFeed } from '../events/changes.ts';
import { campaignsByIds, dashboardCampaigns, pendingQueue, queueItemsByIds } from './queries.ts';
import { campaignView, queueItemView, type CampaignView, type QueueItemView } from './view.ts';
import { ImportsWatcher } from './imports.ts';
import {
  descriptionOf, eventId, HEARTBEAT_MESSAGE, publicCampaigns, retryMessage, seqOf, sseData, sseHeader, sseMessage,
  totalsOf, type CampaignTotalsView, type QueueRemoval, type QueueState, type SnapshotPayload, type UpdatePayload,
} from './events.ts';

/** A subscriber receives at most one update per this many milliseconds, however many donations arrive. */
export const LIVE_FLUSH_INTERVAL_MS = 250;
/** Recent events kept for resuming: 512 flushes is at least two minutes of history at 4 flushes a second. */
export const LIVE_RING_EVENTS_MAX = 512;
/** ...and at most this many bytes of them, whichever limit comes first (bulk changes make large events). */
export const LIVE_RING_BYTES_MAX = 8 * 1024 * 1024; // 8 MiB
/** A subscriber whose socket buffer holds more than this is not written to until it drains. */
export const LIVE_CLIENT_BUFFER_BYTES_MAX = 256 * 1024; // 256 KiB
/** A comment is written this often, so proxies keep idle streams open and dead ones are found. */
export const LIVE_HEARTBEAT_INTERVAL_MS = 15_000;
/** Subscribers written to before the event loop is let go to other work (about 5 ms of writes). */
export const LIVE_FANOUT_SLICE_SUBSCRIBERS = 500;
/**
 * At most this share of the event loop goes to writing updates: when a fan-out takes longer than
 * flushIntervalMs × this share, flushes space out (updates carry more each), and requests keep their share.
 */
export const LIVE_FANOUT_LOOP_SHARE_MAX = 0.5;
/**
 * After a failed flush (the database unreachable, say), the next one waits this much longer: two tries a second
 * while the database is away, and the dashboard back within half a second of it.
 */
export const LIVE_FLUSH_ERROR_BACKOFF_MS = 500;
/** The browser's own reconnect delay after a dropped stream (the SSE `retry` field). */
export const LIVE_RETRY_MS = 2_000;
/** Pending donations a staff snapshot carries, newest first. */
export const LIVE_QUEUE_ITEMS_MAX = 100;
/** Campaigns a snapshot carries (and the page shows). */
export const LIVE_CAMPAIGNS_MAX = 1_000;
/** Changed donations one flush loads by id; past this the queue is reloaded whole instead. */
export const LIVE_DIRTY_DONATIONS_MAX = 1_000;
/** A staff stream ends after this long, so a revoked token stops seeing the queue within it (the browser
 * reconnects with a fresh ticket and resumes from its last event). */
export const LIVE_STAFF_STREAM_LIFETIME_MS = 10 * 60_000;

export interface LiveOptions {
  flushIntervalMs: number;
  ringEventsMax: number;
  ringBytesMax: number;
  clientBufferBytesMax: number;
  heartbeatIntervalMs: number;
  queueItemsMax: number;
  staffStreamLifetimeMs: number;
  subscribersMax: number;
}

export const DEFAULT_LIVE_OPTIONS: Omit<LiveOptions, 'subscribersMax'> = {
  flushIntervalMs: LIVE_FLUSH_INTERVAL_MS,
  ringEventsMax: LIVE_RING_EVENTS_MAX,
  ringBytesMax: LIVE_RING_BYTES_MAX,
  clientBufferBytesMax: LIVE_CLIENT_BUFFER_BYTES_MAX,
  heartbeatIntervalMs: LIVE_HEARTBEAT_INTERVAL_MS,
  queueItemsMax: LIVE_QUEUE_ITEMS_MAX,
  staffStreamLifetimeMs: LIVE_STAFF_STREAM_LIFETIME_MS,
};

interface RingEvent {
  readonly seq: number;
  /** The bytes public subscribers get; undefined when the event holds nothing public (queue changes only). */
  readonly public: Buffer | undefined;
  readonly staff: Buffer;
}

/** Where a subscriber's bytes go: the connection's socket (a net.Socket), or anything that writes like one. */
export interface LiveStream {
  write(bytes: Buffer): boolean;
  end(): void;
  readonly writableLength: number;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
}

interface Subscriber {
  readonly stream: LiveStream;
  readonly staff: boolean;
  /** The seq of the last event this subscriber has been sent or that its snapshot covers. */
  cursor: number;
  /** Waiting for a snapshot, and why. */
  awaiting: 'snapshot' | 'resync' | undefined;
  readonly endsAtMs: number;
  drainArmed: boolean;
}

/** The data part of the snapshot messages this flush sends; the header says snapshot or resync. */
interface Snapshots { id: string; public: Buffer; staff: Buffer | undefined }

export interface LiveStats {
  subscribers: number;
  staffSubscribers: number;
  /** Subscribers not being written to because their socket buffer is full (they catch up or resync later). */
  laggingSubscribers: number;
  subscribersMax: number;
  rejected: number;
  events: number;
  flushes: number;
  flushErrors: number;
  snapshots: number;
  resyncs: number;
  bytesWritten: number;
  ringEvents: number;
  ringBytes: number;
  lastFlushMs: number;
  /** Event-loop time of the last fan-out to every subscriber. */
  lastFanOutMs: number;
}

export class LiveHub {
  readonly options: LiveOptions;
  readonly epoch = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  readonly #database: Database;
  readonly #log: FastifyBaseLogger;
  readonly #subscribers = new Set<Subscriber>();
  readonly #ring: RingEvent[] = [];
  #ringBytes = 0;
  #head = 0;
  #dirtyCampaigns = new Set<string>();
  #dirtyDonations = new Set<string>();
  #allCampaigns = false;
  #allDonations = false;
  #importsChanged = false;
  /** An erasure was heard since the last flush began (#heard). */
  #erasureHeard = false;
  #staffSubscribers = 0;
  readonly #imports: ImportsWatcher;
  #firstChangeMs: number | undefined;
  /** What each campaign's last whole view in an update said, and how many snapshots had been taken then. */
  readonly #descriptionsSent = new Map<string, { description: string; snapshotSerial: number }>();
  #snapshotSerial = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #lastFlushStartMs = 0;
  /** Event-loop time the last fan-out took (its slices, not the gaps between them). */
  #lastFanOutMs = 0;
  #closed = false;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #unsubscribe: () => void;
  readonly #counts = { rejected: 0, flushes: 0, flushErrors: 0, snapshots: 0, resyncs: 0, bytesWritten: 0, lastFlushMs: 0 };

  constructor(database: Database, changes: ChangeFeed, log: FastifyBaseLogger, options: LiveOptions) {
    this.#database = database;
    this.#log = log;
    this.options = options;
    this.#unsubscribe = changes.subscribe((event) => this.#heard(event));
    this.#imports = new ImportsWatcher(database, log, (campaignIds) => {
      this.#importsChanged = true;
      // An import that moved may have added to any of its campaigns' totals and to the pending queue.
      for (const id of campaignIds) {
        if (id === null) this.#allCampaigns = true;
        else this.#dirtyCampaigns.add(id);
      }
      if (campaignIds.length > 0) this.#allDonations = true;
      this.#firstChangeMs ??= Date.now();
      this.#schedule();
    });
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  get full(): boolean {
    return this.#subscribers.size >= this.options.subscribersMax;
  }

  /** Counts a refused connection (the route answers it with 503). */
  reject(): void {
    this.#counts.rejected += 1;
  }

  stats(): LiveStats {
    let lagging = 0;
    for (const subscriber of this.#subscribers) if (this.#blocked(subscriber)) lagging += 1;
    return {
      subscribers: this.#subscribers.size, staffSubscribers: this.#staffSubscribers, laggingSubscribers: lagging, subscribersMax: this.options.subscribersMax,
      events: this.#head, ringEvents: this.#ring.length, ringBytes: this.#ringBytes, lastFanOutMs: this.#lastFanOutMs, ...this.#counts,
    };
  }

  /**
   * Starts streaming to `stream` (the response head already written). With a `lastEventId` this process still
   * holds, the missed events are written at once; otherwise a snapshot follows with the next flush.
   */
  subscribe(stream: LiveStream, options: { staff: boolean; lastEventId: string | undefined }): void {
    const resumeSeq = seqOf(options.lastEventId, this.epoch);
    const resumable = resumeSeq !== undefined && resumeSeq <= this.#head && resumeSeq >= this.#oldestSeq() - 1;
    const subscriber: Subscriber = {
      stream, staff: options.staff, cursor: resumable ? resumeSeq : this.#head,
      awaiting: resumable ? undefined : options.lastEventId === undefined ? 'snapshot' : 'resync',
      endsAtMs: options.staff ? Date.now() + this.options.staffStreamLifetimeMs : Number.POSITIVE_INFINITY,
      drainArmed: false,
    };
    this.#subscribers.add(subscriber);
    if (subscriber.staff) this.#staffSubscribers += 1;
    this.#imports.setActive(!this.#closed);
    stream.once('close', () => {
      if (this.#subscribers.delete(subscriber) && subscriber.staff) this.#staffSubscribers -= 1;
      this.#imports.setActive(this.#subscribers.size > 0 && !this.#closed);
    });
    this.#write(subscriber, retryMessage(LIVE_RETRY_MS));
    if (subscriber.awaiting) this.#schedule();
    else this.#pump(subscriber, undefined);
  }

  /** Ends every stream and stops listening; the browsers reconnect elsewhere (or here, after a restart). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    this.#imports.stop();
    clearInterval(this.#heartbeat);
    clearTimeout(this.#timer);
    await this.#flushing;
    for (const subscriber of this.#subscribers) subscriber.stream.end();
    this.#subscribers.clear();
  }

  #heard(event: ChangeEvent): void {
    // An erasure: the ring may hold the donor's name in events sent before it. The next flush forgets the ring
    // before it appends (its reads start after the erasure committed), so a resume from an older id gets a
    // fresh snapshot, never the name. Erasures are rare; a resync costs one snapshot per resuming subscriber.
    if (event.erasure) {
      this.#erasureHeard = true;
      this.#imports.forget();
    }
    if (event.campaignIds === 'all') this.#allCampaigns = true;
    else for (const id of event.campaignIds) this.#dirtyCampaigns.add(id);
    if (event.donationIds === 'all') this.#allDonations = true;
    else for (const id of event.donationIds) this.#dirtyDonations.add(id);
    // Bounded: past the limit the ids are forgotten and the whole queue is reloaded instead.
    if (this.#dirtyDonations.size > LIVE_DIRTY_DONATIONS_MAX) { this.#allDonations = true; this.#dirtyDonations.clear(); }
    if (this.#dirtyCampaigns.size > LIVE_CAMPAIGNS_MAX) { this.#allCampaigns = true; this.#dirtyCampaigns.clear(); }
    this.#firstChangeMs ??= Date.now();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined || this.#flushing !== undefined) return;
    // Writing to many subscribers takes the event loop for a while; the next flush waits long enough that
    // writing updates never takes more than LIVE_FANOUT_LOOP_SHARE_MAX of it, so requests (approvals) keep going.
    const intervalMs = Math.max(this.options.flushIntervalMs, this.#lastFanOutMs / LIVE_FANOUT_LOOP_SHARE_MAX);
    const delayMs = Math.max(0, this.#lastFlushStartMs + intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
        if (this.#hasWork()) this.#schedule();
      });
    }, delayMs);
  }

  #hasWork(): boolean {
    if (this.#firstChangeMs !== undefined) return true;
    for (const subscriber of this.#subscribers) if (subscriber.awaiting && !this.#blocked(subscriber)) return true;
    return false;
  }

  async #flush(): Promise<void> {
    const startedMs = Date.now();
    this.#lastFlushStartMs = startedMs;
    this.#counts.flushes += 1;
    const taken = this.#takeChanges();
    const erasure = this.#erasureHeard;
    if (erasure) {
      this.#erasureHeard = false;
      this.#forget();
    }
    if (taken && this.#subscribers.size === 0) {
      // Nobody is listening: skip the reads, and forget the ring so that a later resume from an id before
      // this point is answered with a snapshot rather than with events that would miss these changes.
      this.#forget();
      return;
    }
    try {
      // The import names held in memory may be the erased ones (a poll old): read them again first.
      if (erasure) await this.#imports.refresh();
      if (taken) this.#append(await this.#loadUpdate(taken));
      const snapshots = await this.#loadSnapshots();
      await this.#fanOut(snapshots);
    } catch (error) {
      // The changes were taken but not delivered: reload everything next time rather than lose them.
      this.#counts.flushErrors += 1;
      if (taken) {
        this.#allCampaigns = true;
        this.#allDonations = true;
        this.#importsChanged ||= taken.imports;
        this.#firstChangeMs = Math.min(this.#firstChangeMs ?? taken.firstChangeMs, taken.firstChangeMs);
      }
      this.#log.error({ err: error }, 'live: flush failed; retrying with a full reload');
      // While the database is away, try once every LIVE_FLUSH_ERROR_BACKOFF_MS rather than at the flush rate.
      this.#lastFlushStartMs = Date.now() + LIVE_FLUSH_ERROR_BACKOFF_MS;
    }
    this.#counts.lastFlushMs = Date.now() - startedMs;
  }

  /**
   * Pumps every subscriber, LIVE_FANOUT_SLICE_SUBSCRIBERS at a time, letting the event loop serve other work
   * between slices. Nothing can be appended meanwhile (flushes do not overlap), so every subscriber gets the
   * same events in the same order; one that joins mid-way is served by its own subscribe() or the next flush.
   */
  async #fanOut(snapshots: Snapshots | undefined): Promise<void> {
    const subscribers = [...this.#subscribers];
    let busyMs = 0;
    for (let start = 0; start < subscribers.length; start += LIVE_FANOUT_SLICE_SUBSCRIBERS) {
      const sliceStartMs = performance.now();
      const end = Math.min(subscribers.length, start + LIVE_FANOUT_SLICE_SUBSCRIBERS);
      for (let index = start; index < end; index += 1) {
        const subscriber = subscribers[index]!;
        if (this.#subscribers.has(subscriber)) this.#pump(subscriber, snapshots);
      }
      busyMs += performance.now() - sliceStartMs;
      if (end < subscribers.length) await yieldToEventLoop();
    }
    this.#lastFanOutMs = busyMs;
  }

  #takeChanges(): TakenChanges | undefined {
    if (this.#firstChangeMs === undefined) return undefined;
    const taken: TakenChanges = {
      campaignIds: this.#allCampaigns ? 'all' : [...this.#dirtyCampaigns],
      donationIds: this.#allDonations ? 'all' : [...this.#dirtyDonations],
      imports: this.#importsChanged,
      firstChangeMs: this.#firstChangeMs,
    };
    this.#importsChanged = false;
    this.#dirtyCampaigns = new Set();
    this.#dirtyDonations = new Set();
    this.#allCampaigns = false;
    this.#allDonations = false;
    this.#firstChangeMs = undefined;
    return taken;
  }

  /** Two queries at most, whatever the number of subscribers: the campaigns and the donations that changed. */
  async #loadUpdate(taken: TakenChanges): Promise<LoadedUpdate> {
    const campaignRows = taken.campaignIds === 'all'
      ? await dashboardCampaigns(this.#database, { includeDrafts: true, limit: LIVE_CAMPAIGNS_MAX })
      : await campaignsByIds(this.#database, taken.campaignIds);
    const campaigns = campaignRows.map(campaignView);
    const imports = taken.imports ? { imports: this.#imports.current } : {};
    if (taken.donationIds === 'all') {
      return { campaigns, payload: { first_change_ms: taken.firstChangeMs, queue: { reset: await this.#loadQueue() }, ...imports } };
    }
    const add: QueueItemView[] = [];
    const remove: QueueRemoval[] = [];
    for (const row of await queueItemsByIds(this.#database, taken.donationIds)) {
      if (row.status === 'pending') add.push(queueItemView(row));
      else remove.push({ id: String(row.id), status: row.status });
    }
    return {
      campaigns,
      payload: {
        first_change_ms: taken.firstChangeMs, ...imports,
        ...(add.length + remove.length > 0 ? { queue: { ...(add.length ? { add } : {}), ...(remove.length ? { remove } : {}) } } : {}),
      },
    };
  }

  /**
   * The whole view of a campaign the first time an update names it, after its name, fund, status or goal
   * change, and after any snapshot (whose subscribers may hold a newer description than the last update);
   * only its totals otherwise, which is most of the time and about 40% of the bytes.
   */
  #wireCampaign(view: CampaignView): CampaignView | CampaignTotalsView {
    const description = descriptionOf(view);
    const sent = this.#descriptionsSent.get(view.id);
    if (sent?.description === description && sent.snapshotSerial === this.#snapshotSerial) return totalsOf(view);
    // Bounded: forgetting only means the next updates send whole views again.
    if (this.#descriptionsSent.size >= 2 * LIVE_CAMPAIGNS_MAX) this.#descriptionsSent.clear();
    this.#descriptionsSent.set(view.id, { description, snapshotSerial: this.#snapshotSerial });
    return view;
  }

  async #loadQueue(): Promise<QueueState> {
    const rows = await pendingQueue(this.#database, this.options.queueItemsMax + 1);
    return { items: rows.slice(0, this.options.queueItemsMax).map(queueItemView), more: rows.length > this.options.queueItemsMax };
  }

  #append({ campaigns, payload }: LoadedUpdate): void {
    const seq = this.#head + 1;
    const id = eventId(this.epoch, seq);
    const wire = campaigns.map((view) => this.#wireCampaign(view));
    // Drafts are for staff; the public part is chosen by the full view's status, which a totals-only entry lacks.
    const publicPart = wire.filter((_entry, index) => campaigns[index]!.status !== 'draft');
    const event: RingEvent = {
      seq,
      public: publicPart.length === 0 ? undefined : sseMessage('update', id, { first_change_ms: payload.first_change_ms, campaigns: publicPart }),
      staff: sseMessage('update', id, wire.length === 0 ? payload : { ...payload, campaigns: wire }),
    };
    this.#ring.push(event);
    this.#ringBytes += event.staff.length + (event.public?.length ?? 0);
    this.#head = seq;
    while (this.#ring.length > this.options.ringEventsMax || (this.#ringBytes > this.options.ringBytesMax && this.#ring.length > 1)) {
      const evicted = this.#ring.shift()!;
      this.#ringBytes -= evicted.staff.length + (evicted.public?.length ?? 0);
    }
  }

  #forget(): void {
    this.#head += 1;
    this.#ring.length = 0;
    this.#ringBytes = 0;
  }

  #oldestSeq(): number {
    return this.#ring[0]?.seq ?? this.#head + 1;
  }

  /** One snapshot per audience for every subscriber waiting for one, loaded after this flush's update. */
  async #loadSnapshots(): Promise<Snapshots | undefined> {
    let waiting = false;
    let staffWaiting = false;
    for (const subscriber of this.#subscribers) {
      if (subscriber.cursor < this.#oldestSeq() - 1 && !subscriber.awaiting) subscriber.awaiting = 'resync';
      if (!subscriber.awaiting || this.#blocked(subscriber)) continue;
      waiting = true;
      if (subscriber.staff) staffWaiting = true;
    }
    if (!waiting) return undefined;
    this.#snapshotSerial += 1;
    const rows = await dashboardCampaigns(this.#database, { includeDrafts: staffWaiting, limit: LIVE_CAMPAIGNS_MAX });
    const campaigns: CampaignView[] = rows.map(campaignView);
    const publicSnapshot: SnapshotPayload = { campaigns: publicCampaigns(campaigns) };
    const staffSnapshot: SnapshotPayload | undefined = staffWaiting
      ? { campaigns, queue: await this.#loadQueue(), imports: this.#imports.current }
      : undefined;
    return {
      id: eventId(this.epoch, this.#head),
      public: Buffer.from(sseData(publicSnapshot)),
      staff: staffSnapshot && Buffer.from(sseData(staffSnapshot)),
    };
  }

  /** Writes what `subscriber` is owed, until its socket buffer is full. Synchronous, so events stay in order. */
  #pump(subscriber: Subscriber, snapshots: Snapshots | undefined): void {
    if (this.#blocked(subscriber)) { this.#armDrain(subscriber); return; }
    if (subscriber.cursor < this.#oldestSeq() - 1 && !subscriber.awaiting) subscriber.awaiting = 'resync';
    if (subscriber.awaiting) {
      const snapshot = subscriber.staff ? snapshots?.staff : snapshots?.public;
      if (snapshot === undefined) { this.#schedule(); return; }
      // A resync is a snapshot under another name, so the client can tell that it had fallen behind.
      this.#write(subscriber, Buffer.from(sseHeader(subscriber.awaiting, snapshots!.id)));
      this.#write(subscriber, snapshot);
      this.#counts[subscriber.awaiting === 'resync' ? 'resyncs' : 'snapshots'] += 1;
      subscriber.awaiting = undefined;
      subscriber.cursor = this.#head;
    }
    while (subscriber.cursor < this.#head && !this.#blocked(subscriber)) {
      const event = this.#ring[subscriber.cursor + 1 - this.#oldestSeq()]!;
      const bytes = subscriber.staff ? event.staff : event.public;
      if (bytes) this.#write(subscriber, bytes);
      subscriber.cursor = event.seq;
    }
    if (this.#blocked(subscriber)) this.#armDrain(subscriber);
  }

  #blocked(subscriber: Subscriber): boolean {
    return subscriber.stream.writableLength > this.options.clientBufferBytesMax;
  }

  #armDrain(subscriber: Subscriber): void {
    if (subscriber.drainArmed) return;
    subscriber.drainArmed = true;
    subscriber.stream.once('drain', () => {
      subscriber.drainArmed = false;
      if (this.#subscribers.has(subscriber)) this.#pump(subscriber, undefined);
    });
  }

  #write(subscriber: Subscriber, bytes: Buffer): void {
    if (subscriber.stream.writableEnded || subscriber.stream.destroyed) return;
    this.#counts.bytesWritten += bytes.length;
    subscriber.stream.write(bytes);
  }

  #beat(): void {
    const nowMs = Date.now();
    for (const subscriber of this.#subscribers) {
      if (nowMs >= subscriber.endsAtMs) subscriber.stream.end();
      else if (!this.#blocked(subscriber)) this.#write(subscriber, HEARTBEAT_MESSAGE);
    }
  }
}

interface LoadedUpdate {
  /** Whole views; each is sent whole or as totals only when the event is serialised. */
  campaigns: CampaignView[];
  payload: UpdatePayload;
}

interface TakenChanges {
  campaignIds: readonly string[] | 'all';
  donationIds: readonly string[] | 'all';
  /** Import progress changed since the last flush. */
  imports: boolean;
  firstChangeMs: number;
}
