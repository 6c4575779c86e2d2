// SQL for the audit log (migration 0014): appended in the transaction of the action it records, read newest
// first with keyset pagination by id. The table refuses update, delete and truncate by trigger.
import type { Queryable } from '../db/database.ts';

/** Who acted: a token's id ('env' for AMANAH_ADMIN_TOKEN, 'cli' for the command line) and its name then. */
export interface AuditActor {
  readonly tokenId: string;
  readonly name: string;
}

/** The command line acts without a token; its rows say so. */
export const CLI_ACTOR: AuditActor = Object.freeze({ tokenId: 'cli', name: 'command line' });

export type AuditAction =
  | 'campaign.create' | 'campaign.update'
  | 'donation.approved' | 'donation.rejected' | 'donation.refunded'
  | 'import.create' | 'export.donations' | 'export.audit'
  | 'token.create' | 'token.revoke' | 'session.sign_in' | 'donor.erased'
  | 'mustahik.create' | 'mustahik.update' | 'program.create' | 'program.update'
  | 'disbursement.requested' | 'disbursement.approved' | 'disbursement.paid' | 'disbursement.rejected' | 'disbursement.cancelled';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'campaign.create', 'campaign.update', 'donation.approved', 'donation.rejected', 'donation.refunded',
  'import.create', 'export.donations', 'export.audit', 'token.create', 'token.revoke', 'session.sign_in', 'donor.erased',
  'mustahik.create', 'mustahik.update', 'program.create', 'program.update',
  'disbursement.requested', 'disbursement.approved', 'disbursement.paid', 'disbursement.rejected', 'disbursement.cancelled',
];

export interface AuditEntry {
  actor: AuditActor;
  action: AuditAction;
  target: string | null;
  detail: Record<string, unknown>;
}

export interface AuditRow {
  id: bigint;
  actor_token_id: string;
  actor_name: string;
  action: AuditAction;
  target: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

/** Appends one row; pass the action's transaction so the row commits or rolls back with it. */
export async function appendAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    'insert into audit_log (actor_token_id, actor_name, action, target, detail) values ($1, $2, $3, $4, $5::jsonb)',
    [entry.actor.tokenId, entry.actor.name.slice(0, 200), entry.action, entry.target, JSON.stringify(entry.detail)],
  );
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  beforeId?: bigint | undefined;
  limit: number;
}

/**
 * A page of the log, newest first. Keyset by id (`id < before`), so page 1,000 costs what page 1 does; the
 * actor and action filters each have an (x, id desc) index, and the time range is a filter on that walk.
 */
export async function listAudit(db: Queryable, filter: AuditFilter): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `select id, actor_token_id, actor_name, action, target, detail, at from audit_log
      where ($1::text is null or actor_token_id = $1) and ($2::text is null or action = $2)
        and ($3::timestamptz is null or at >= $3) and ($4::timestamptz is null or at < $4)
        and ($5::bigint is null or id < $5)
      order by id desc limit $6`,
    [filter.actor ?? null, filter.action ?? null, filter.from ?? null, filter.to ?? null, filter.beforeId ?? null, filter.limit],
  );
  return rows;
}
