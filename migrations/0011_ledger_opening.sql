-- Opening entries for what was approved before the ledger (migration 0010), so `amanah verify` passes on an
-- upgraded database: one entry per campaign with approved donations, debiting the clearing account of each
-- channel they came in through and crediting the campaign's ledger fund, and each of those donations names it.
-- No amil share is posted for them (rate 0): a share taken before is outside this ledger, and a refund of one of
-- these donations reverses none. Refunded donations netted to nothing and post nothing.
create temp table ledger_opening on commit drop as
  select d.campaign_id, d.source as channel, c.currency, ledger_fund(c.fund) as fund, sum(d.amount_minor) as amount_minor
    from donations d join campaigns c on c.id = d.campaign_id
   where d.status = 'approved'
   group by d.campaign_id, d.source, c.currency, c.fund;

create temp table ledger_opening_entries on commit drop as
  select campaign_id, nextval(pg_get_serial_sequence('ledger_entries', 'id')) as entry_id
    from (select distinct campaign_id from ledger_opening) campaigns;

insert into ledger_entries (id, kind, campaign_id, memo)
select entry_id, 'opening', campaign_id, 'opening balance: donations approved before the ledger (migration 0011)'
  from ledger_opening_entries order by campaign_id;

insert into ledger_accounts (campaign_id, kind, name, currency, balance_minor)
select campaign_id, 'clearing', channel, currency, amount_minor from ledger_opening
union all
select campaign_id, 'fund', fund, currency, -sum(amount_minor) from ledger_opening group by campaign_id, fund, currency;

insert into ledger_lines (entry_id, account_id, currency, amount_minor)
select e.entry_id, a.id, a.currency, a.balance_minor
  from ledger_accounts a join ledger_opening_entries e using (campaign_id)
 order by a.id;

update donations d set ledger_entry_id = e.entry_id
  from ledger_opening_entries e
 where d.campaign_id = e.campaign_id and d.status = 'approved';
