// The direct COPY path for one batch, inside the caller's transaction on one PostgreSQL connection. It is
// optimistic: it COPYs the batch's donations straight into their table, and lets the unique key on donations
// catch a key that is taken already (an earlier run, or another transaction that committed it meanwhile): that
// COPY fails, the whole batch rolls back, and the caller writes it again with the batch statement, whose ON
// CONFLICT skips the taken key. After such a batch the caller asks this path to look the keys up first (one
// index probe per row) until a batch finds none taken, so a rerun after a crash does not fail batch after
// batch. Exactly once holds either way, and a first import gets the speed of COPY: PostgreSQL writes a COPY
// with multi-row heap inserts, where INSERT … SELECT … ON CONFLICT inserts, checks and logs each tuple on its
// own (writer.ts's header has the figures).
//
// Donors known by email or donor reference are upserted first (one statement per batch); every donation
// carries its own donor name and anonymity (migration 0005), so most files write one row per donation and
// nothing else.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Queryable } from '../db/database.ts';
import type { PreparedRow } from './validate.ts';
import { postReceipts, type ReceiptPosting } from '../ledger/queries.ts';
import { amilShareMinor } from '../ledger/logic.ts';
import {
  addCampaignDonors, addToCampaignTotals, lockCampaigns, DONATION_COPY_COLUMNS, donationCopyLines, findTakenKeys, keyedDonorKey,
  recordBatch, upsertKeyedDonors,
  type BatchCounters, type CampaignTotalsDelta, type ImportedStatus, type Reject,
} from './queries.ts';

async function copyInto(client: PoolClient, target: string, text: string): Promise<void> {
  if (text.length > 0) await pipeline(Readable.from([text]), client.query(copyFrom(`copy ${target} from stdin`)));
}

const isKeyed = (row: PreparedRow) => row.email !== null || row.donorRef !== null;

/** Each new row's donor id; null for a row whose donor nothing identifies (the donation carries the name). */
async function donorIdsOf(tx: Queryable, fresh: readonly PreparedRow[]): Promise<(bigint | null)[]> {
  const keyed = fresh.filter(isKeyed);
  if (keyed.length === 0) return fresh.map(() => null);
  const ids = await upsertKeyedDonors(tx, keyed.map((row) => ({ name: row.donorName, email: row.email, donorRef: row.donorRef, anonymous: row.anonymous })));
  return fresh.map((row) => (isKeyed(row) ? ids.get(keyedDonorKey(row))! : null));
}

/** campaign_donors and the campaign totals for the new approved donations: changeStatus's bookkeeping in bulk. */
async function moveTotals(tx: Queryable, fresh: readonly PreparedRow[], ids: readonly (bigint | null)[]): Promise<void> {
  const deltas = new Map<bigint, CampaignTotalsDelta>();
  const keyedPairs = new Map<string, { campaignId: bigint; donorId: bigint; donations: number }>();
  fresh.forEach((row, index) => {
    const delta = deltas.get(row.campaignId) ?? { campaignId: row.campaignId, amountMinor: 0n, donations: 0, donors: 0 };
    delta.amountMinor += row.amountMinor;
    delta.donations += 1;
    deltas.set(row.campaignId, delta);
    const donorId = ids[index]!;
    if (donorId === null) {
      // Known by name only: this donation is a donor of the campaign on its own.
      delta.donors += 1;
    } else {
      const pairKey = `${row.campaignId}:${donorId}`;
      const pair = keyedPairs.get(pairKey) ?? { campaignId: row.campaignId, donorId, donations: 0 };
      pair.donations += 1;
      keyedPairs.set(pairKey, pair);
    }
  });
  // The campaigns first, in id order, then their campaign_donors rows: the order approvals take them in.
  await lockCampaigns(tx, [...deltas.keys()]);
  if (keyedPairs.size > 0) {
    for (const [campaignId, donors] of await addCampaignDonors(tx, [...keyedPairs.values()])) deltas.get(campaignId)!.donors += donors;
  }
  await addToCampaignTotals(tx, [...deltas.values()]);
}

/**
 * An approved batch's ledger entry id and amil share rate per campaign, in one round trip before the COPY, so
 * each donation is COPYed naming its entry (src/ledger).
 */
async function ledgerEntriesOf(tx: Queryable, fresh: readonly PreparedRow[]): Promise<Map<bigint, { entryId: bigint; rateBp: number }>> {
  const campaignIds = [...new Set(fresh.map((row) => row.campaignId))];
  const { rows } = await tx.query<{ id: bigint; entry_id: bigint; rate_bp: number }>(
    `select c.id, nextval('ledger_entries_id_seq') as entry_id, coalesce(r.rate_bp, 0) as rate_bp
       from campaigns c left join amil_rates r on r.fund = ledger_fund(c.fund) where c.id = any($1::bigint[])`, [campaignIds]);
  return new Map(rows.map((row) => [row.id, { entryId: row.entry_id, rateBp: row.rate_bp }]));
}

/** The batch's receipt postings, one per campaign: the amounts and the amil shares, floored per donation. */
function receiptsOf(fresh: readonly PreparedRow[], entries: ReadonlyMap<bigint, { entryId: bigint; rateBp: number }>): ReceiptPosting[] {
  const postings = new Map<bigint, ReceiptPosting>();
  for (const row of fresh) {
    const entry = entries.get(row.campaignId)!;
    const posting: ReceiptPosting = postings.get(row.campaignId) ?? { entryId: entry.entryId, campaignId: row.campaignId, channel: 'import', amountMinor: 0n, shareMinor: 0n, rateBp: entry.rateBp };
    posting.amountMinor += row.amountMinor;
    posting.shareMinor += amilShareMinor(row.amountMinor, entry.rateBp);
    postings.set(row.campaignId, posting);
  }
  return [...postings.values()];
}

/**
 * Writes one batch by COPY, in the caller's open transaction; returns the donations made. With `lookUpKeys`
 * false it does not ask which keys are taken and lets a taken key fail the COPY instead: the caller asks only
 * after a batch met one (a rerun after a crash, a file imported twice), since the look-up costs an index probe
 * per row that a first import never needs.
 */
export async function writeBatchDirect(client: PoolClient, tx: Queryable, status: ImportedStatus, rows: readonly PreparedRow[], rejects: readonly Reject[], counters: BatchCounters, lookUpKeys: boolean): Promise<{ imported: number; taken: number }> {
  const taken = rows.length === 0 || !lookUpKeys ? new Set<string>() : await findTakenKeys(tx, rows.map((row) => row.key));
  const fresh = taken.size === 0 ? rows : rows.filter((row) => !taken.has(row.key));
  if (fresh.length > 0) {
    const ids = await donorIdsOf(tx, fresh);
    const entries = status === 'approved' ? await ledgerEntriesOf(tx, fresh) : new Map<bigint, { entryId: bigint; rateBp: number }>();
    const entryIds = new Map([...entries].map(([campaignId, entry]) => [campaignId, entry.entryId]));
    await copyInto(client, `donations (${DONATION_COPY_COLUMNS})`, donationCopyLines(fresh, ids, status, counters.importId, new Date().toISOString(), entryIds));
    if (status === 'approved') {
      // Totals first: the campaign rows are locked before their ledger accounts, as every posting takes them.
      await moveTotals(tx, fresh, ids);
      await postReceipts(tx, 'import', counters.importId, receiptsOf(fresh, entries));
    }
  }
  await recordBatch(tx, rejects, counters, fresh.length);
  return { imported: fresh.length, taken: taken.size };
}
