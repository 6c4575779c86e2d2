// SQL for the donor portal (migration 0020): magic links, sessions, and a donor's gifts. Times are passed in
// (`now`), not read from the database clock, so a test moves the clock instead of sleeping.
import type { Queryable } from '../db/database.ts';

/** The donors row of an email (by email_key, migration 0007), if one exists and is not erased. */
export async function donorIdByEmail(db: Queryable, email: string): Promise<bigint | undefined> {
  const { rows } = await db.query<{ id: bigint }>(
    'select id from donors where email is not null and email_key(email) = email_key($1) and erased_at is null', [email]);
  return rows[0]?.id;
}

export async function insertMagicLink(db: Queryable, donorId: bigint, secretSha256: Buffer, expiresAt: Date): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    'insert into portal_magic_links (donor_id, secret_sha256, expires_at) values ($1, $2, $3) returning id', [donorId, secretSha256, expiresAt]);
  return rows[0]!.id;
}

export interface StoredSecret { donor_id: bigint; secret_sha256: Buffer }

/** A link not yet used and not expired at `now` (its digest is checked by the caller, in constant time). */
export async function findUsableLink(db: Queryable, id: string, now: Date): Promise<StoredSecret | undefined> {
  const { rows } = await db.query<StoredSecret>(
    'select donor_id, secret_sha256 from portal_magic_links where id = $1 and used_at is null and expires_at > $2', [id, now]);
  return rows[0];
}

/** Marks a link used; false when another request used it first (two racing clicks open one session). */
export async function markLinkUsed(db: Queryable, id: string, now: Date): Promise<boolean> {
  const { rows } = await db.query('update portal_magic_links set used_at = $2 where id = $1 and used_at is null and expires_at > $2 returning id', [id, now]);
  return rows.length === 1;
}

export async function insertSession(db: Queryable, donorId: bigint, secretSha256: Buffer, expiresAt: Date): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    'insert into portal_sessions (donor_id, secret_sha256, expires_at) values ($1, $2, $3) returning id', [donorId, secretSha256, expiresAt]);
  return rows[0]!.id;
}

export async function findSession(db: Queryable, id: string, now: Date): Promise<StoredSecret | undefined> {
  const { rows } = await db.query<StoredSecret>(
    'select donor_id, secret_sha256 from portal_sessions where id = $1 and expires_at > $2', [id, now]);
  return rows[0];
}

export async function deleteSession(db: Queryable, id: string): Promise<void> {
  await db.query('delete from portal_sessions where id = $1', [id]);
}

/** Expired links and sessions are of no use to anyone; each new link request clears a bounded batch of them. */
export async function deleteExpired(db: Queryable, now: Date, rowsMax: number): Promise<void> {
  await db.query(
    `with links as (delete from portal_magic_links where id in (select id from portal_magic_links where expires_at <= $1 limit $2)),
          sessions as (delete from portal_sessions where id in (select id from portal_sessions where expires_at <= $1 limit $2))
     select 1`, [now, rowsMax]);
}

export interface DonorRow { id: bigint; display_name: string; email: string | null }

export async function donorById(db: Queryable, id: bigint): Promise<DonorRow | undefined> {
  const { rows } = await db.query<DonorRow>('select id, display_name, email from donors where id = $1', [id]);
  return rows[0];
}

export interface GiftRow {
  id: bigint;
  campaign_slug: string;
  campaign_name: string;
  fund: string;
  amount_minor: bigint;
  currency: string;
  status: string;
  donor_name: string;
  donor_anonymous: boolean;
  donated_at: Date;
}

/**
 * A donor's gifts across campaigns, newest first, anonymous ones included (the donor sees their own name on
 * each). donations_donor (migration 0004) finds them; a donor has tens of gifts, the bound keeps a page sane.
 */
export async function giftsOf(db: Queryable, donorId: bigint, limit: number): Promise<GiftRow[]> {
  const { rows } = await db.query<GiftRow>(
    `select d.id, c.slug as campaign_slug, c.name as campaign_name, c.fund, d.amount_minor, d.currency, d.status,
            d.donor_name, d.donor_anonymous, d.donated_at
       from donations d join campaigns c on c.id = d.campaign_id
      where d.donor_id = $1 order by d.donated_at desc, d.id desc limit $2`, [donorId, limit]);
  return rows;
}
