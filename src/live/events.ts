// The live stream's wire format (Server-Sent Events) and the payloads it carries. Pure: no I/O, no state.
//
// Three event types, each a single JSON line:
//   snapshot  the whole picture, on connect: every dashboard campaign, and for staff the pending queue
//   resync    the same, sent instead of the events a subscriber missed when it fell too far behind
//   update    what changed in one flush: campaign cards (full, small) and queue additions and removals
// Every event carries an id `<epoch>-<seq>`: seq counts this process's flushes, epoch names the process, so an
// id from another process (or before a restart) is recognised as unknown and answered with a snapshot.
import type { CampaignView, ImportView, QueueItemView } from './view.ts';

export interface QueueRemoval {
  readonly id: string;
  /** What became of it: approved, rejected or refunded (a pending donation cannot be deleted). */
  readonly status: string;
}

export interface QueueState {
  /** Newest first, at most the hub's queue limit. */
  readonly items: readonly QueueItemView[];
  /** More pending donations exist than `items` holds. */
  readonly more: boolean;
}

/**
 * The part of a campaign that moves with every donation. An update carries only this for a campaign whose other
 * fields (name, fund, status, goal…) every subscriber already has; the whole view otherwise.
 */
export type CampaignTotalsView = Pick<CampaignView, 'id' | 'raised' | 'raised_display' | 'percent' | 'donations' | 'donors'>;

export function totalsOf(view: CampaignView): CampaignTotalsView {
  return { id: view.id, raised: view.raised, raised_display: view.raised_display, percent: view.percent, donations: view.donations, donors: view.donors };
}

/** The fields that change only when a campaign is edited, as one comparable string. */
export function descriptionOf(view: CampaignView): string {
  return JSON.stringify([view.slug, view.name, view.fund, view.status, view.currency, view.goal, view.goal_display]);
}

export interface UpdatePayload {
  /** When the first change in this update was heard, epoch milliseconds (commit time, near enough). */
  readonly first_change_ms: number;
  readonly campaigns?: readonly (CampaignView | CampaignTotalsView)[];
  readonly queue?: {
    readonly add?: readonly QueueItemView[];
    readonly remove?: readonly QueueRemoval[];
    /** Too much changed to list (a bulk import or approval): the queue as it now stands. */
    readonly reset?: QueueState;
  };
  /** Staff only: import runs that are running or just finished, whole (there are at most a few). */
  readonly imports?: readonly ImportView[];
}

export interface SnapshotPayload {
  readonly campaigns: readonly CampaignView[];
  /** Staff only. */
  readonly queue?: QueueState;
  /** Staff only. */
  readonly imports?: readonly ImportView[];
}

export type LiveEventType = 'snapshot' | 'resync' | 'update';

/** One SSE message. JSON.stringify never emits a raw line break, so the data fits on one `data:` line. */
export function sseMessage(type: LiveEventType, id: string, payload: UpdatePayload | SnapshotPayload): Buffer {
  return Buffer.from(`${sseHeader(type, id)}${sseData(payload)}`);
}

/** The id and type lines of a message, for a body shared by messages of different types. */
export function sseHeader(type: LiveEventType, id: string): string {
  return `id: ${id}\nevent: ${type}\n`;
}

/** The data line and the blank line that ends a message. */
export function sseData(payload: UpdatePayload | SnapshotPayload): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** A comment line: ignored by EventSource, but it keeps proxies and NAT tables from dropping an idle stream. */
export const HEARTBEAT_MESSAGE = Buffer.from(': heartbeat\n\n');

/** Sent first on every stream: how long the browser waits before reconnecting on its own. */
export function retryMessage(retryMs: number): Buffer {
  return Buffer.from(`retry: ${retryMs}\n\n`);
}

export function eventId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

/** The seq of an id from this epoch, or undefined for an id from elsewhere or a malformed one. */
export function seqOf(id: string | undefined, epoch: string): number | undefined {
  if (id === undefined) return undefined;
  const match = /^([a-z0-9]{1,32})-([0-9]{1,15})$/.exec(id);
  if (!match || match[1] !== epoch) return undefined;
  return Number(match[2]);
}

/** Drafts are for staff: the public payload leaves them out (a campaign never goes back to draft). */
export function publicCampaigns(campaigns: readonly CampaignView[]): CampaignView[] {
  return campaigns.filter((campaign) => campaign.status !== 'draft');
}
