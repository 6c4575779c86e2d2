-- Issue 13: an entry written by a transaction is checked once at its commit, not once more per line.
-- Both balance triggers of 0010 are deferred row triggers: at commit, ledger_entries_balance checks each new
-- entry whole (balanced in every currency, with lines), and ledger_lines_balance checked the line's entry again
-- for every line, so an approval batch over 50 campaigns (50 entries, about 150 lines) summed each entry's lines
-- about four times, inside the commit that holds the batch's campaign locks. With both triggers off in a one-off
-- run of bench/approvals.ts, the 50-campaign cases went from 1,314-1,559 to 1,746-1,946 approvals/s (issuer
-- off, load 0.7-3.2), so the checks are about a fifth of an approval's time.
--
-- A line whose entry this transaction wrote is left to that entry's own check: the entry row's xmin is the
-- transaction's id (entries are never updated, ledger_entries_immutable, so no other row version can carry it).
-- Any other line, one added to an entry of an earlier transaction, is checked as before and refused when its
-- entry no longer balances. Inside a subtransaction the entry's xmin is the subtransaction's id, so its lines
-- fall back to the full check: slower, never weaker.
create or replace function ledger_check_new_line() returns trigger language plpgsql as $$
begin
  if exists (select from ledger_entries where id = new.entry_id and xmin = pg_current_xact_id()::xid) then
    return null;
  end if;
  perform ledger_check_entry(new.entry_id, false);
  return null;
end $$;
