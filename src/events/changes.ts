// The change feed: what a committed write changed (campaign totals, campaign fields, donation statuses),
// told to every amanah process on the same database. The writing process hears it at once, in memory, right
// after its commit; every other process hears it through PostgreSQL LISTEN/NOTIFY, which delivers only after
// commit and in commit order (PGlite delivers its own notifications the same way). Caches invalidate on it and
// the live dashboard pushes it, so scaling out needs no new infrastructure.
import { randomUUID } from 'node:crypto';
import { LISTEN_GAP, type Database, type Queryable } from '../db/database.ts';

export const CHANGES_CHANNEL = 'amanah_changes';
/** NOTIFY payloads must stay under 8000 bytes; past this many ids a change is sent as "everything changed". */
export const IDS_PER_NOTIFICATION_MAX = 200;

export interface ChangeEvent {
  /** Campaigns whose fields or totals changed; `'all'` when too many to list. */
  readonly campaignIds: readonly string[] | 'all';
  /** Donations whose status changed or that were created; `'all'` when too many to list. */
  readonly donationIds: readonly string[] | 'all';
  /** The process that made the change (its own events arrive twice: once in memory, once by NOTIFY). */
  readonly origin: string;
  /**
   * Set when the change erased a donor's personal data (src/portal/erasure.ts): whoever keeps copies of what
   * was sent before (the live hub's replay ring) drops them. Absent otherwise, so other payloads are unchanged.
   */
  readonly erasure?: true;
}

export type ChangeHandler = (event: ChangeEvent) => void;

/** What one transaction changed, collected as it goes and published when it commits. */
export class ChangeSet {
  readonly campaignIds = new Set<string>();
  readonly donationIds = new Set<string>();

  campaign(id: bigint | string): this { this.campaignIds.add(String(id)); return this; }
  donation(id: bigint | string): this { this.donationIds.add(String(id)); return this; }
  #erasure = false;
  /** Marks the change as an erasure of personal data (ChangeEvent.erasure). */
  erasure(): this { this.#erasure = true; return this; }
  get empty(): boolean { return this.campaignIds.size === 0 && this.donationIds.size === 0; }

  toEvent(origin: string): ChangeEvent {
    const list = (ids: Set<string>) => (ids.size > IDS_PER_NOTIFICATION_MAX ? 'all' as const : [...ids]);
    return { campaignIds: list(this.campaignIds), donationIds: list(this.donationIds), origin, ...(this.#erasure ? { erasure: true as const } : {}) };
  }
}

export class ChangeFeed {
  readonly origin = randomUUID();
  readonly #handlers = new Set<ChangeHandler>();
  #unlisten: (() => Promise<void>) | undefined;
  /** Counters for the observer and /metrics. */
  readonly counts = { published: 0, receivedRemote: 0 };

  /** Starts hearing other processes' changes. Without it, only this process's own changes are heard. */
  async start(database: Database): Promise<void> {
    if (this.#unlisten) return;
    this.#unlisten = await database.listen(CHANGES_CHANNEL, (payload) => this.#receive(payload));
  }

  async stop(): Promise<void> {
    await this.#unlisten?.();
    this.#unlisten = undefined;
  }

  subscribe(handler: ChangeHandler): () => void {
    this.#handlers.add(handler);
    return () => { this.#handlers.delete(handler); };
  }

  /** Sends the change to other processes; delivered by PostgreSQL only if and when `tx` commits. */
  async publish(tx: Queryable, changes: ChangeSet): Promise<ChangeEvent | undefined> {
    if (changes.empty) return undefined;
    const event = changes.toEvent(this.origin);
    await tx.query('select pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify(event)]);
    return event;
  }

  /** Tells this process's subscribers, after the commit. */
  emitLocal(event: ChangeEvent | undefined): void {
    if (!event) return;
    this.counts.published += 1;
    for (const handler of this.#handlers) handler(event);
  }

  /** Runs `work` in a transaction and publishes what it recorded in the ChangeSet, locally once committed. */
  async transaction<T>(database: Database, work: (tx: Queryable, changes: ChangeSet) => Promise<T>): Promise<T> {
    let event: ChangeEvent | undefined;
    const result = await database.transaction(async (tx) => {
      const changes = new ChangeSet();
      const value = await work(tx, changes);
      event = await this.publish(tx, changes);
      return value;
    });
    this.emitLocal(event);
    return result;
  }

  #receive(payload: string): void {
    if (payload === LISTEN_GAP) {
      // Changes made while this process could not hear may be lost: everything is to be treated as changed.
      const everything: ChangeEvent = { campaignIds: 'all', donationIds: 'all', origin: 'listen-gap' };
      for (const handler of this.#handlers) handler(everything);
      return;
    }
    let event: ChangeEvent;
    try {
      event = JSON.parse(payload) as ChangeEvent;
    } catch {
      return;
    }
    if (event.origin === this.origin) return;
    this.counts.receivedRemote += 1;
    for (const handler of this.#handlers) handler(event);
  }
}
