// Idempotency-Keys for approve, reject and refund (issue 10, section 5; migration 0006). A keyed status change
// writes its key and the SHA-256 of its request on its history row, in the statement that makes the change, so
// the key is durable exactly when the change is. A retry with the key (the first answer lost to a crash or a
// dropped connection) answers what the first answered: 200 and the donation as that change left it. The same
// key with another request is 409 idempotency_key_reused. A refused request (404, 409) writes nothing and so
// stores no key: retrying it is simply trying again.
//
// Races end in one change: two retries of one key in one batch are one write and one replay; in two batches
// or two processes, the second waits for the first's row lock, finds the donation moved, and then finds the key.
// Two different requests racing with one key meet at the unique index: the loser's transaction fails, and the
// group committer retries it alone, when it is answered 409.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { Queryable } from '../db/database.ts';
import { SqlState, sqlState } from '../db/sqlstate.ts';
import { findStatusChangesByKeys, type DonationRow, type KeyedStatusChangeRow, type StatusChangeKey } from './queries.ts';

/** The index that makes a status-change key unique (migration 0006). */
const KEY_INDEX = 'donation_status_changes_idempotency_key';

export interface KeyedTransition {
  readonly id: string;
  readonly to: string;
  readonly actor: string;
  readonly reason: string | null;
  readonly key?: string | undefined;
}

/** What the request asks for: the same key with the same fingerprint is a retry, with another a conflict. */
export function transitionFingerprintHex(request: KeyedTransition): string {
  return createHash('sha256').update(JSON.stringify([request.id, request.to, request.actor, request.reason])).digest('hex');
}

function reused(request: KeyedTransition, stored: { donation_id: bigint | string; to_status: string } | undefined): AppError {
  const first = stored === undefined ? 'another request in the same batch' : `${stored.to_status} of donation ${stored.donation_id}`;
  return new AppError('idempotency_key_reused', `Idempotency-Key "${request.key}" was used for another request (${first})`);
}

export interface KeyPlan {
  /** Requests answered without writing: the stored change they retry, or 409 for a key used for another request. */
  readonly early: ReadonlyMap<number, KeyedStatusChangeRow | AppError>;
  /** Requests repeating, by key, an earlier request of the same batch: answered from the key after the commit. */
  readonly followers: ReadonlySet<number>;
  readonly fingerprints: ReadonlyMap<number, string>;
}

/** Looks the batch's keys up (one query, none when no request has a key) and decides what they settle. */
export async function planKeys(db: Queryable, requests: readonly KeyedTransition[]): Promise<KeyPlan> {
  const fingerprints = new Map<number, string>();
  requests.forEach((request, index) => { if (request.key !== undefined) fingerprints.set(index, transitionFingerprintHex(request)); });
  const early = new Map<number, KeyedStatusChangeRow | AppError>();
  const followers = new Set<number>();
  if (fingerprints.size === 0) return { early, followers, fingerprints };
  const stored = await findStatusChangesByKeys(db, [...new Set([...fingerprints.keys()].map((index) => requests[index]!.key!))]);
  const firstOfKey = new Map<string, number>();
  for (const [index, fingerprint] of fingerprints) {
    const request = requests[index]!;
    const change = stored.get(request.key!);
    const first = firstOfKey.get(request.key!);
    if (change !== undefined) early.set(index, Buffer.from(change.request_sha256).toString('hex') === fingerprint ? change : reused(request, change));
    else if (first === undefined) firstOfKey.set(request.key!, index);
    else if (fingerprints.get(first) === fingerprint) followers.add(index);
    else early.set(index, reused(request, undefined));
  }
  return { early, followers, fingerprints };
}

/** The keys to store with a group's change: each donation's first request in the group (the one that wins it). */
export function keysOfGroup(requests: readonly KeyedTransition[], indices: readonly number[], plan: KeyPlan): StatusChangeKey[] {
  const seen = new Set<string>();
  const keys: StatusChangeKey[] = [];
  for (const index of indices) {
    const request = requests[index]!;
    if (seen.has(request.id)) continue;
    seen.add(request.id);
    if (request.key !== undefined) keys.push({ donationId: BigInt(request.id), key: request.key, requestSha256Hex: plan.fingerprints.get(index)! });
  }
  return keys;
}

/**
 * After the commit: the stored change each keyed request that did not win its change retries, if any. The
 * requests answered early keep their answers; the others (followers, and losers of a race to another batch or
 * process that carried the same key) are looked up again now that the racing change has committed.
 */
export async function storedChanges(db: Queryable, requests: readonly KeyedTransition[], plan: KeyPlan, winners: ReadonlySet<number>): Promise<Map<number, KeyedStatusChangeRow | AppError>> {
  const settled = new Map(plan.early);
  const open = [...plan.fingerprints.keys()].filter((index) => !winners.has(index) && !settled.has(index));
  if (open.length === 0) return settled;
  const stored = await findStatusChangesByKeys(db, [...new Set(open.map((index) => requests[index]!.key!))]);
  for (const index of open) {
    const change = stored.get(requests[index]!.key!);
    if (change === undefined) continue; // nothing stored under the key: the request is answered as without one
    settled.set(index, Buffer.from(change.request_sha256).toString('hex') === plan.fingerprints.get(index) ? change : reused(requests[index]!, change));
  }
  return settled;
}

/**
 * The donation as the stored change left it, which is what its first request answered: a donation is an
 * immutable fact apart from its status and updated_at, and the change set updated_at to the transaction's
 * now(), which is also the history row's changed_at.
 */
export function replayOf(current: DonationRow, change: KeyedStatusChangeRow): DonationRow {
  return { ...current, status: change.to_status, updated_at: change.changed_at };
}

/**
 * A key taken by a concurrent transaction for another request (the unique index refused this batch's history
 * row). Alone, the request is answered 409; in a larger batch the error is thrown again, so the group committer
 * retries each request alone and only the one at fault is refused.
 */
export function isKeyTaken(error: unknown): boolean {
  return sqlState(error) === SqlState.UNIQUE_VIOLATION && typeof error === 'object' && error !== null &&
    'constraint' in error && error.constraint === KEY_INDEX;
}

export function refuseTakenKey(error: unknown, requests: readonly KeyedTransition[]): AppError[] {
  if (requests.length !== 1) throw error;
  return [new AppError('idempotency_key_reused', `Idempotency-Key "${requests[0]!.key}" was used for another request at the same moment`)];
}
