// Erasure of a donor's personal data (issue 15; GDPR art. 17, UU PDP 27/2022 art. 8): the donor's name and
// email leave every table that holds them, and a pseudonym ("Donor erased 2026-12-02 #41") takes the name's
// place. What the institution must keep stays: amounts, dates, statuses, ledger entries and lines (immutable,
// migration 0010), receipt numbers. One transaction, so an erasure is whole or not at all.
//
// Where a name or an email can be, and what happens there:
//   donors            display_name := pseudonym, email := null, external_ref := null (it recognised the donor), erased_at
//   donations         donor_name := pseudonym on every gift of the donor (anonymity flags stay as given), and
//                     donor_npwp, donor_nik := null where the receipts room's migration added them
//   donation_status_changes.reason, audit_log.detail, imports (source_name, options), import_rejects
//   (original_line, reason), payment_verifications.last_error, email_outbox.last_error,
//   payment_events.body (the provider's raw event)
//                     every occurrence of the email or a name is replaced by the pseudonym (found case-blind,
//                     also in JSON-escaped form); a provider body's signature no longer verifies, which is why
//                     the body was kept only as evidence of what arrived
//   portal_magic_links, portal_sessions   deleted
//   receipts          the donor in the frozen content becomes the pseudonym (eraseReceipts says what stays)
//   ledger_entries.memo   immutable: no code path writes a donor's name or email into a memo (entries posted by
//                     batches carry none; reversal and opening memos are staff text). The erasure counts memos
//                     that hold one anyway and reports them (expected 0), so staff can post a correction.
//
// A name shorter than NAME_CHARS_MIN_IN_TEXT is replaced where it is the whole value (donors, donations) but not
// searched for inside free text, where it would match pieces of ordinary words. Over-redaction of longer names
// (a name inside another word) is accepted: erring that way loses a few letters of a log, never a donor's name.
import type { Database, Queryable } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { ChangeFeed, ChangeSet } from '../events/changes.ts';
import type { AuditActor } from '../audit/queries.ts';
import { createHash } from 'node:crypto';

export const NAME_CHARS_MIN_IN_TEXT = 3;
/** The actor of an erasure the donor asked for from their own page. */
export const DONOR_ACTOR: AuditActor = Object.freeze({ tokenId: 'donor', name: 'the donor (self-service)' });

export type ErasureTarget = { email: string } | { donorId: bigint };

export interface ErasureResult {
  donor_id: string;
  pseudonym: string;
  donations: number;
  /** Rows whose free text held the name or email and was rewritten, by table. */
  redacted: Record<string, number>;
  /** Ledger memos that hold the name or email (immutable; expected 0). */
  ledger_memos_with_personal_data: number;
}

export function pseudonymOf(donorId: bigint, now: Date): string {
  return `Donor erased ${now.toISOString().slice(0, 10)} #${donorId}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a text takes where it may be stored: as written, JSON-escaped, and with non-ASCII as \u escapes. */
export function variantsOf(text: string): string[] {
  const json = JSON.stringify(text).slice(1, -1);
  const ascii = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [...new Set([text, json, ascii])];
}

/** Replaces every occurrence of the needles (case-blind, longest first) with the pseudonym. */
export function redactText(text: string, needles: readonly string[], pseudonym: string): string {
  if (needles.length === 0) return text;
  const pattern = new RegExp([...needles].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'giu');
  return text.replace(pattern, pseudonym);
}

interface TextColumn {
  /** What is redacted, in the result. */
  label: string;
  /** select <key columns>, <text> as text from … where <scope> or <text matches a needle> */
  select: string;
  /** update …: $1 the new text, $2… the key columns in order. */
  update: string;
  keys: readonly string[];
  bytes?: boolean;
}

const TEXT_COLUMNS: readonly TextColumn[] = [
  { label: 'donation_status_changes', keys: ['id'], select: 'select id, reason as text from donation_status_changes where reason is not null and (donation_id = any($2::bigint[]) or MATCH(reason))', update: 'update donation_status_changes set reason = $1 where id = $2' },
  { label: 'audit_log', keys: ['id'], select: 'select id, detail::text as text from audit_log where MATCH(detail::text)', update: 'update audit_log set detail = $1::jsonb where id = $2' },
  { label: 'imports', keys: ['id'], select: "select id, source_name as text from imports where MATCH(source_name)", update: 'update imports set source_name = $1 where id = $2' },
  { label: 'imports.options', keys: ['id'], select: 'select id, options::text as text from imports where MATCH(options::text)', update: 'update imports set options = $1::jsonb where id = $2' },
  { label: 'import_rejects', keys: ['import_id', 'line_number'], select: 'select import_id, line_number, original_line as text from import_rejects where MATCH(original_line)', update: 'update import_rejects set original_line = $1 where import_id = $2 and line_number = $3' },
  { label: 'import_rejects.reason', keys: ['import_id', 'line_number'], select: 'select import_id, line_number, reason as text from import_rejects where MATCH(reason)', update: 'update import_rejects set reason = $1 where import_id = $2 and line_number = $3' },
  { label: 'payment_verifications', keys: ['donation_id'], select: 'select donation_id, last_error as text from payment_verifications where last_error is not null and (donation_id = any($2::bigint[]) or MATCH(last_error))', update: 'update payment_verifications set last_error = $1 where donation_id = $2' },
  { label: 'payment_events', keys: ['provider', 'event_id'], bytes: true, select: "select provider, event_id, body as text from payment_events where payment_id in (select id from payments where donation_id = any($2::bigint[])) or MATCH(encode(body, 'escape'))", update: 'update payment_events set body = $1 where provider = $2 and event_id = $3' },
];

/** The mail outbox (src/email) keeps no address, but a failed send's error text could quote one. */
const OUTBOX_ERRORS: TextColumn = { label: 'email_outbox', keys: ['id'], select: 'select id, last_error as text from email_outbox where last_error is not null and MATCH(last_error)', update: 'update email_outbox set last_error = $1 where id = $2' };

/** `MATCH(x)`: x holds one of the needles ($1), as written or case-blind. */
function withMatch(sql: string): string {
  return sql.replace(/MATCH\(((?:[^()]|\([^()]*\))+)\)/g, (_all, expression: string) =>
    `exists (select 1 from unnest($1::text[]) n where strpos(${expression}, n) > 0 or strpos(lower(${expression}), lower(n)) > 0)`);
}

async function redactColumns(tx: Queryable, columns: readonly TextColumn[], needles: readonly string[], donationIds: readonly bigint[], pseudonym: string): Promise<Record<string, number>> {
  const redacted: Record<string, number> = {};
  for (const column of columns) {
    const { rows } = await tx.query<Record<string, unknown>>(withMatch(column.select), column.select.includes('$2') ? [needles, donationIds] : [needles]);
    let changed = 0;
    for (const row of rows) {
      const before = column.bytes ? Buffer.from(row.text as Uint8Array).toString('utf8') : String(row.text);
      let after = redactText(before, needles, pseudonym);
      if (after === before) continue;
      // A replacement that broke the JSON structure (a name that spans a quote) leaves only a marker.
      if (column.label === 'audit_log' || column.label === 'imports.options') { try { JSON.parse(after); } catch { after = JSON.stringify({ redacted: 'erasure' }); } }
      await tx.query(column.update, [column.bytes ? Buffer.from(after, 'utf8') : after, ...column.keys.map((key) => row[key])]);
      changed += 1;
    }
    redacted[column.label] = changed;
  }
  return redacted;
}

/** Tables and columns of other rooms that hold personal data, present once their migrations have run. */
async function presentParts(tx: Queryable): Promise<{ receipts: boolean; outbox: boolean; taxIds: boolean }> {
  const { rows } = await tx.query<{ receipts: boolean; outbox: boolean; tax_ids: boolean }>(
    `select to_regclass('receipts') is not null as receipts, to_regclass('email_outbox') is not null as outbox,
            exists (select 1 from information_schema.columns where table_schema = current_schema() and table_name = 'donations' and column_name = 'donor_npwp') as tax_ids`);
  return { receipts: rows[0]!.receipts, outbox: rows[0]!.outbox, taxIds: rows[0]!.tax_ids };
}

/** Canonical JSON as src/receipts/document.ts hashes it: keys sorted at every level, scalars as JSON.stringify. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * An issued receipt keeps its number, code, amount (figures and words), fund, campaign, dates and status: the
 * books and the tax office's copy depend on them, and the public verification (issuer, number, date, amount,
 * valid or void) answers as before. Its donor becomes the pseudonym, and its NPWP and NIK go. The content's
 * SHA-256 is then taken again over what it now holds, so the receipts room's integrity check (document.ts
 * assertIntact) still holds, and the digest of the content as issued is kept inside it (`erasure.original_sha256`):
 * whoever holds the original PDF can show it was this receipt, and nobody can read the name back from a digest.
 */
async function eraseReceipts(tx: Queryable, donationIds: readonly bigint[], pseudonym: string, now: Date): Promise<number> {
  const { rows } = await tx.query<{ id: bigint; content: Record<string, unknown>; content_sha256: Buffer }>(
    'select id, content, content_sha256 from receipts where donation_id = any($1::bigint[]) order by id for update', [donationIds]);
  for (const row of rows) {
    const donor = (row.content.donor ?? {}) as Record<string, unknown>;
    const content = {
      ...row.content,
      donor: { ...donor, name: pseudonym, npwp: null, nik: null },
      erasure: { erased_on: now.toISOString().slice(0, 10), original_sha256: Buffer.from(row.content_sha256).toString('hex') },
    };
    const sha256 = createHash('sha256').update(canonicalJson(content)).digest();
    await tx.query('update receipts set content = $2::jsonb, content_sha256 = $3 where id = $1', [row.id, JSON.stringify(content), sha256]);
  }
  return rows.length;
}

interface LockedDonor { id: bigint; display_name: string; email: string | null }

async function lockDonor(tx: Queryable, target: ErasureTarget): Promise<LockedDonor> {
  const { rows } = 'email' in target
    ? await tx.query<LockedDonor>('select id, display_name, email from donors where email is not null and email_key(email) = email_key($1) and erased_at is null for update', [target.email])
    : await tx.query<LockedDonor>('select id, display_name, email from donors where id = $1 and erased_at is null for update', [target.donorId]);
  if (!rows[0]) throw new AppError('donor_not_found', 'no donor (not already erased) has that email');
  return rows[0];
}

/** The name and email forms to find in free text. */
function needlesOf(names: readonly string[], email: string | null): string[] {
  const texts = names.filter((name) => [...name.trim()].length >= NAME_CHARS_MIN_IN_TEXT).map((name) => name.trim());
  if (email !== null) texts.push(email);
  return [...new Set(texts.flatMap(variantsOf))];
}

async function eraseIn(tx: Queryable, changes: ChangeSet, target: ErasureTarget, actor: AuditActor, now: Date): Promise<ErasureResult> {
  // Only this transaction may rewrite audit details (migration 0020); `true`: until it ends.
  await tx.query("select set_config('amanah.erasure', 'on', true)");
  const donor = await lockDonor(tx, target);
  const pseudonym = pseudonymOf(donor.id, now);
  // Campaigns first, in id order, as every writer of donations locks them (src/donations/queries.ts).
  await tx.query(`select id from campaigns where id in (select campaign_id from donations where donor_id = $1) order by id for no key update`, [donor.id]);
  const { rows: names } = await tx.query<{ name: string }>('select distinct donor_name as name from donations where donor_id = $1', [donor.id]);
  const { rows: gifts } = await tx.query<{ id: bigint; campaign_id: bigint }>(
    'update donations set donor_name = $2, updated_at = $3 where donor_id = $1 returning id, campaign_id', [donor.id, pseudonym, now]);
  for (const gift of gifts) changes.donation(gift.id).campaign(gift.campaign_id);
  changes.erasure();
  await tx.query('update donors set display_name = $2, email = null, external_ref = null, erased_at = $3 where id = $1', [donor.id, pseudonym, now]);
  const needles = needlesOf([donor.display_name, ...names.map((row) => row.name)], donor.email);
  const donationIds = gifts.map((gift) => gift.id);
  const parts = await presentParts(tx);
  if (parts.taxIds) await tx.query('update donations set donor_npwp = null, donor_nik = null where donor_id = $1', [donor.id]);
  const redacted = await redactColumns(tx, parts.outbox ? [...TEXT_COLUMNS, OUTBOX_ERRORS] : TEXT_COLUMNS, needles, donationIds, pseudonym);
  if (parts.receipts) redacted.receipts = await eraseReceipts(tx, donationIds, pseudonym, now);
  await tx.query('delete from portal_magic_links where donor_id = $1', [donor.id]);
  await tx.query('delete from portal_sessions where donor_id = $1', [donor.id]);
  const { rows: memos } = await tx.query<{ count: bigint }>(
    withMatch('select count(*) as count from ledger_entries where memo is not null and MATCH(memo)'), [needles]);
  const result: ErasureResult = {
    donor_id: String(donor.id), pseudonym, donations: gifts.length, redacted, ledger_memos_with_personal_data: Number(memos[0]!.count),
  };
  // The audit row says that and by whom, never what: the pseudonym and the counts, no name, no email.
  await tx.query(`insert into audit_log (actor_token_id, actor_name, action, target, detail) values ($1, $2, 'donor.erased', $3, $4::jsonb)`,
    [actor.tokenId, actor.name.slice(0, 200), `donor:${donor.id}`, JSON.stringify(result)]);
  return result;
}

/** Erases one donor; caches and live streams hear the donations and campaigns changed once it commits. */
export async function eraseDonor(database: Database, changes: ChangeFeed, target: ErasureTarget, actor: AuditActor, now = new Date()): Promise<ErasureResult> {
  return changes.transaction(database, (tx, set) => eraseIn(tx, set, target, actor, now));
}
