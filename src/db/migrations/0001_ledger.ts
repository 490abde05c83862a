import type { Knex } from 'knex';

/**
 * The double-entry ledger (TigerBeetle's model on PostgreSQL).
 *
 * Why the shape:
 * - Balances live in N shard rows per account, not on the account row, so concurrent transfers
 *   into or out of one busy account (escrow pool, provider clearing, a big seller) update
 *   different rows instead of queueing on one row lock. Only the sum of an account's shards
 *   means anything; a single shard row may even be negative.
 * - A debit from an account flagged `debits_must_not_exceed_credits` (or a credit to one
 *   flagged `credits_must_not_exceed_debits`) must see every committed movement of that account,
 *   so it locks the account row and sums the shards. Everything else takes no account lock.
 * - Lock order, for every transfer: pending transfer row (post/void) → account rows sorted by id
 *   → the new transfer id → shard rows sorted by (account id, shard). A single transfer never
 *   waits in any other order, so single transfers cannot deadlock each other; batches can, and
 *   the TypeScript side retries 40P01/40001.
 * - All checks run before the first write, and a refusal is a returned code, not an exception:
 *   a refused transfer writes nothing, and a batch needs no savepoint per item.
 * - Transfers have no foreign keys to accounts on purpose: a foreign-key check takes FOR KEY
 *   SHARE on the account row, which on a hot account turns into a MultiXact pile-up. The
 *   function checks that the accounts exist, and accounts cannot be deleted (trigger).
 *
 * The currency list and identifier limits are repeated in src/ledger/types.ts, which validates
 * before any SQL; the checks here are the last line, not the first.
 */

const UP = String.raw`
create table ledger_accounts (
  id text collate "C" primary key check (length(id) between 1 and 128),
  currency text not null check (currency in ('TWD', 'JPY', 'THB', 'USD')),
  kind text not null check (kind in ('user_wallet', 'escrow', 'provider_clearing', 'payout_clearing', 'fees')),
  debits_must_not_exceed_credits boolean not null default false,
  credits_must_not_exceed_debits boolean not null default false,
  shard_count integer not null check (shard_count between 1 and 256),
  user_data jsonb,
  created_at timestamptz not null default now(),
  check (not (debits_must_not_exceed_credits and credits_must_not_exceed_debits))
);

-- fillfactor leaves room on each page so the constant balance updates stay HOT (no index churn).
-- No foreign key to ledger_accounts: shards are created with their account in one function and
-- cannot be deleted, and the key check would fire on every update of a row that the same
-- transaction already updated (a batch), taking FOR KEY SHARE on the account each time.
create table ledger_balances (
  account_id text collate "C" not null,
  shard integer not null check (shard >= 0),
  debits_posted bigint not null default 0,
  credits_posted bigint not null default 0,
  debits_pending bigint not null default 0,
  credits_pending bigint not null default 0,
  primary key (account_id, shard)
) with (fillfactor = 50);

create table ledger_transfers (
  id text collate "C" primary key check (length(id) between 1 and 128),
  debit_account_id text collate "C" not null,
  credit_account_id text collate "C" not null,
  amount_minor bigint not null check (amount_minor > 0),
  currency text not null check (currency in ('TWD', 'JPY', 'THB', 'USD')),
  kind text not null check (kind in ('single', 'pending', 'post', 'void')),
  pending_id text collate "C" references ledger_transfers (id),
  state text check (state in ('pending', 'posted', 'voided')),
  posted_amount_minor bigint,
  metadata jsonb,
  created_at timestamptz not null default now(),
  check (debit_account_id <> credit_account_id),
  check ((kind in ('post', 'void')) = (pending_id is not null)),
  check ((kind = 'pending') = (state is not null)),
  check ((state = 'posted') = (posted_amount_minor is not null)),
  check (posted_amount_minor is null or posted_amount_minor between 1 and amount_minor)
);
-- At most one resolution per pending transfer, whatever the function does.
create unique index ledger_transfers_one_resolution on ledger_transfers (pending_id) where pending_id is not null;
create index ledger_transfers_debit_account on ledger_transfers (debit_account_id);
create index ledger_transfers_credit_account on ledger_transfers (credit_account_id);

-- Records are immutable; the only change allowed is resolving a pending transfer once.
create function ledger_guard_immutable() returns trigger language plpgsql as $$
begin
  -- Nested because PL/pgSQL resolves old.state even when an earlier condition is false.
  if tg_table_name = 'ledger_transfers' and tg_op = 'UPDATE' then
    if old.state = 'pending' and new.state in ('posted', 'voided')
       and (to_jsonb(old) - 'state' - 'posted_amount_minor') = (to_jsonb(new) - 'state' - 'posted_amount_minor') then
      return new;
    end if;
  end if;
  raise exception 'ledger: % on % is not allowed (records are immutable)', tg_op, tg_table_name
    using errcode = 'restrict_violation';
end $$;
create trigger ledger_accounts_immutable before update or delete on ledger_accounts
  for each row execute function ledger_guard_immutable();
create trigger ledger_transfers_immutable before update or delete on ledger_transfers
  for each row execute function ledger_guard_immutable();
create trigger ledger_balances_undeletable before delete on ledger_balances
  for each row execute function ledger_guard_immutable();
create trigger ledger_accounts_no_truncate before truncate on ledger_accounts
  for each statement execute function ledger_guard_immutable();
create trigger ledger_transfers_no_truncate before truncate on ledger_transfers
  for each statement execute function ledger_guard_immutable();
create trigger ledger_balances_no_truncate before truncate on ledger_balances
  for each statement execute function ledger_guard_immutable();

create type ledger_account_outcome as (
  status text, -- 'created' | 'exists' | 'conflict' (the id is taken by an account with other fields)
  id text,
  currency text,
  kind text,
  debits_must_not_exceed_credits boolean,
  credits_must_not_exceed_debits boolean,
  shard_count integer,
  user_data jsonb,
  created_at timestamptz
);

-- status: 'created' | 'exists' | 'refused'; on refusal error_code names the rule (the TypeScript
-- error classes carry the same codes) and error_account_id the account it is about.
create type ledger_transfer_outcome as (
  status text,
  error_code text,
  error_account_id text,
  id text,
  debit_account_id text,
  credit_account_id text,
  amount_minor bigint,
  currency text,
  kind text,
  pending_id text,
  state text,
  posted_amount_minor bigint,
  metadata jsonb,
  created_at timestamptz
);

create function ledger_shard(p_key text, p_shard_count integer) returns integer
language sql immutable parallel safe as $$
  select ((hashtext(p_key)::bigint & 2147483647) % p_shard_count)::integer
$$;

create function ledger_create_accounts(
  p_ids text[], p_currencies text[], p_kinds text[], p_debits_must_not_exceed_credits boolean[],
  p_credits_must_not_exceed_debits boolean[], p_shard_counts integer[], p_user_data jsonb[]
) returns setof ledger_account_outcome
language plpgsql as $$
declare
  i integer;
  a ledger_accounts;
begin
  for i in 1 .. coalesce(array_length(p_ids, 1), 0) loop
    insert into ledger_accounts (id, currency, kind, debits_must_not_exceed_credits,
                                 credits_must_not_exceed_debits, shard_count, user_data)
    values (p_ids[i], p_currencies[i], p_kinds[i], p_debits_must_not_exceed_credits[i],
            p_credits_must_not_exceed_debits[i], p_shard_counts[i], p_user_data[i])
    on conflict (id) do nothing
    returning * into a;
    if found then
      insert into ledger_balances (account_id, shard)
      select a.id, s from generate_series(0, a.shard_count - 1) s;
      return next ('created', a.id, a.currency, a.kind, a.debits_must_not_exceed_credits,
                   a.credits_must_not_exceed_debits, a.shard_count, a.user_data, a.created_at)::ledger_account_outcome;
    else
      select * into strict a from ledger_accounts where id = p_ids[i];
      return next (case when a.currency = p_currencies[i] and a.kind = p_kinds[i]
                         and a.debits_must_not_exceed_credits = p_debits_must_not_exceed_credits[i]
                         and a.credits_must_not_exceed_debits = p_credits_must_not_exceed_debits[i]
                         and a.shard_count = p_shard_counts[i]
                         and a.user_data is not distinct from p_user_data[i]
                        then 'exists' else 'conflict' end,
                   a.id, a.currency, a.kind, a.debits_must_not_exceed_credits,
                   a.credits_must_not_exceed_debits, a.shard_count, a.user_data, a.created_at)::ledger_account_outcome;
    end if;
  end loop;
end $$;

create function ledger_outcome(p_status text, t ledger_transfers) returns ledger_transfer_outcome
language sql immutable as $$
  select (p_status, null, null, t.id, t.debit_account_id, t.credit_account_id, t.amount_minor, t.currency,
          t.kind, t.pending_id, t.state, t.posted_amount_minor, t.metadata, t.created_at)::ledger_transfer_outcome
$$;

create function ledger_refusal(p_code text, p_account_id text) returns ledger_transfer_outcome
language sql immutable as $$
  select ('refused', p_code, p_account_id, null, null, null, null, null, null, null, null, null, null, null)::ledger_transfer_outcome
$$;

-- A retry must describe the same transfer; for a post without an amount that means the full
-- pending amount, which is immutable, so the comparison is deterministic.
create function ledger_replay(
  e ledger_transfers, p_kind text, p_debit_account_id text, p_credit_account_id text,
  p_amount_minor bigint, p_currency text, p_pending_id text, p_metadata jsonb
) returns ledger_transfer_outcome
language plpgsql stable as $$
declare
  same boolean;
begin
  same := e.kind = p_kind
    and e.pending_id is not distinct from p_pending_id
    and e.metadata is not distinct from p_metadata
    and case p_kind
      when 'post' then e.amount_minor = coalesce(
        p_amount_minor, (select p.amount_minor from ledger_transfers p where p.id = e.pending_id))
      when 'void' then p_amount_minor is null
      else e.debit_account_id = p_debit_account_id and e.credit_account_id = p_credit_account_id
        and e.amount_minor = p_amount_minor and e.currency = p_currency
    end;
  if same then
    return ledger_outcome('exists', e);
  end if;
  return ledger_refusal('transfer_id_conflict', null);
end $$;

-- p_shard_key picks the balance shards of a single or pending transfer (default: its id); a
-- post or void uses its pending's id, so usually lands where the pending did.
create function ledger_create_transfer(
  p_id text, p_kind text, p_debit_account_id text, p_credit_account_id text,
  p_amount_minor bigint, p_currency text, p_pending_id text, p_metadata jsonb,
  p_shard_key text default null
) returns ledger_transfer_outcome
language plpgsql as $$
declare
  existing ledger_transfers;
  pending ledger_transfers;
  t ledger_transfers;
  debit_account ledger_accounts;
  credit_account ledger_accounts;
  amount bigint;
  shard_key text;
  locks text[];
  available bigint;
  d_posted bigint := 0;
  c_posted bigint := 0;
  d_pending bigint := 0;
  c_pending bigint := 0;
  sides integer[];
  side integer;
begin
  if p_kind not in ('single', 'pending', 'post', 'void') then
    raise exception 'ledger: unknown transfer kind %', p_kind;
  end if;

  select * into existing from ledger_transfers where id = p_id;
  if found then
    return ledger_replay(existing, p_kind, p_debit_account_id, p_credit_account_id,
                         p_amount_minor, p_currency, p_pending_id, p_metadata);
  end if;

  if p_kind in ('post', 'void') then
    -- The row lock makes resolution at-most-once: a second resolver waits here, then sees the state.
    select * into pending from ledger_transfers where id = p_pending_id for update;
    if not found then return ledger_refusal('pending_transfer_not_found', null); end if;
    if pending.kind <> 'pending' then return ledger_refusal('pending_transfer_not_pending', null); end if;
    if pending.state = 'posted' then return ledger_refusal('pending_already_posted', null); end if;
    if pending.state = 'voided' then return ledger_refusal('pending_already_voided', null); end if;
    amount := case p_kind when 'void' then pending.amount_minor
                          else coalesce(p_amount_minor, pending.amount_minor) end;
    if amount > pending.amount_minor then return ledger_refusal('exceeds_pending_amount', null); end if;
    select * into strict debit_account from ledger_accounts where id = pending.debit_account_id;
    select * into strict credit_account from ledger_accounts where id = pending.credit_account_id;
    -- Posting or voiding never raises an account's exposure (pending already counted against
    -- its limit), so no account lock.
    shard_key := p_pending_id;
    d_pending := -pending.amount_minor;
    c_pending := -pending.amount_minor;
    if p_kind = 'post' then
      d_posted := amount;
      c_posted := amount;
    end if;
  else
    select * into debit_account from ledger_accounts where id = p_debit_account_id;
    if not found then return ledger_refusal('account_not_found', p_debit_account_id); end if;
    select * into credit_account from ledger_accounts where id = p_credit_account_id;
    if not found then return ledger_refusal('account_not_found', p_credit_account_id); end if;
    if debit_account.id = credit_account.id then
      return ledger_refusal('accounts_must_be_different', debit_account.id);
    end if;
    if debit_account.currency <> p_currency then
      return ledger_refusal('currency_mismatch', debit_account.id);
    end if;
    if credit_account.currency <> p_currency then
      return ledger_refusal('currency_mismatch', credit_account.id);
    end if;
    if p_amount_minor is null or p_amount_minor <= 0 then
      raise exception 'ledger: amount must be positive, got %', p_amount_minor;
    end if;
    amount := p_amount_minor;

    locks := array_remove(array[
      case when debit_account.debits_must_not_exceed_credits then debit_account.id end,
      case when credit_account.credits_must_not_exceed_debits then credit_account.id end], null);
    if cardinality(locks) > 0 then
      perform 1 from ledger_accounts where id = any (locks) order by id for no key update;
      -- A new statement, so a fresh snapshot: it sees every transfer committed by the previous
      -- holder of the lock. Pending amounts count against the limit (TigerBeetle's pessimism).
      if debit_account.debits_must_not_exceed_credits then
        select coalesce(sum(credits_posted - debits_posted - debits_pending), 0) into available
          from ledger_balances where account_id = debit_account.id;
        if available < amount then return ledger_refusal('insufficient_funds', debit_account.id); end if;
      end if;
      if credit_account.credits_must_not_exceed_debits then
        select coalesce(sum(debits_posted - credits_posted - credits_pending), 0) into available
          from ledger_balances where account_id = credit_account.id;
        if available < amount then return ledger_refusal('credits_exceed_debits', credit_account.id); end if;
      end if;
    end if;
    shard_key := coalesce(p_shard_key, p_id);
    if p_kind = 'pending' then
      d_pending := amount;
      c_pending := amount;
    else
      d_posted := amount;
      c_posted := amount;
    end if;
  end if;

  insert into ledger_transfers (id, debit_account_id, credit_account_id, amount_minor, currency, kind,
                                pending_id, state, metadata)
  values (p_id, debit_account.id, credit_account.id, amount, debit_account.currency, p_kind,
          p_pending_id, case when p_kind = 'pending' then 'pending' end, p_metadata)
  on conflict (id) do nothing
  returning * into t;
  if not found then
    -- The same id committed concurrently (we waited on it): answer as a retry would be answered.
    select * into strict existing from ledger_transfers where id = p_id;
    return ledger_replay(existing, p_kind, p_debit_account_id, p_credit_account_id,
                         p_amount_minor, p_currency, p_pending_id, p_metadata);
  end if;

  if p_kind in ('post', 'void') then
    update ledger_transfers
       set state = case p_kind when 'post' then 'posted' else 'voided' end,
           posted_amount_minor = case p_kind when 'post' then amount end
     where id = p_pending_id;
  end if;

  -- Two single-row updates in (account id) order rather than one two-row UPDATE, whose lock
  -- order would be up to the plan. Inline, not a helper function: a nested call costs more
  -- than the update itself.
  sides := case when debit_account.id collate "C" < credit_account.id collate "C" then array[1, 2] else array[2, 1] end;
  foreach side in array sides loop
    update ledger_balances
       set debits_posted = debits_posted + case side when 1 then d_posted else 0 end,
           debits_pending = debits_pending + case side when 1 then d_pending else 0 end,
           credits_posted = credits_posted + case side when 2 then c_posted else 0 end,
           credits_pending = credits_pending + case side when 2 then c_pending else 0 end
     where account_id = case side when 1 then debit_account.id else credit_account.id end
       and shard = case side when 1 then ledger_shard(shard_key, debit_account.shard_count)
                             else ledger_shard(shard_key, credit_account.shard_count) end;
    if not found then
      raise exception 'ledger invariant: a balance shard of transfer % is missing', p_id;
    end if;
  end loop;
  return ledger_outcome('created', t);
end $$;

-- One transaction, items in order (a post may follow its pending in the same batch), one outcome
-- per item. A refused item wrote nothing, so the others stand on their own.
-- Items one after the other would take their locks out of the global order, and two batches
-- over the same accounts would deadlock all the time; so the batch first takes every lock its
-- items will need, in the global order (pending rows, limited accounts, shard rows), each by
-- primary key so the cost does not grow with the tables. Pendings created inside the batch do
-- not exist yet and need no lock from anyone else.
-- All single/pending items of a batch share one shard key (the first id): a batch then holds
-- one shard per account instead of most shards of a busy account, so concurrent batches into
-- a hot account do not queue behind each other.
create function ledger_create_transfers(
  p_ids text[], p_kinds text[], p_debit_account_ids text[], p_credit_account_ids text[],
  p_amounts_minor bigint[], p_currencies text[], p_pending_ids text[], p_metadata jsonb[]
) returns setof ledger_transfer_outcome
language plpgsql as $$
declare
  i integer;
  lock_account text;
  lock_shard integer;
begin
  perform 1 from ledger_transfers where id = any (p_pending_ids) order by id for update;
  perform 1 from ledger_accounts a
   where a.id = any (p_debit_account_ids || p_credit_account_ids)
     and ((a.debits_must_not_exceed_credits and a.id = any (p_debit_account_ids))
          or (a.credits_must_not_exceed_debits and a.id = any (p_credit_account_ids)))
   order by a.id collate "C" for no key update;
  for lock_account, lock_shard in
    select distinct side.account_id collate "C",
           ledger_shard(side.shard_key, (select a.shard_count from ledger_accounts a where a.id = side.account_id))
      from unnest(p_kinds, p_debit_account_ids, p_credit_account_ids, p_pending_ids)
             as u(kind, debit_account_id, credit_account_id, pending_id)
     cross join lateral (values
       (case when u.kind in ('post', 'void')
             then (select p.debit_account_id from ledger_transfers p where p.id = u.pending_id)
             else u.debit_account_id end,
        case when u.kind in ('post', 'void') then u.pending_id else p_ids[1] end),
       (case when u.kind in ('post', 'void')
             then (select p.credit_account_id from ledger_transfers p where p.id = u.pending_id)
             else u.credit_account_id end,
        case when u.kind in ('post', 'void') then u.pending_id else p_ids[1] end)
     ) as side(account_id, shard_key)
     order by 1, 2
  loop
    continue when lock_account is null or lock_shard is null;
    perform 1 from ledger_balances where account_id = lock_account and shard = lock_shard for no key update;
  end loop;
  for i in 1 .. coalesce(array_length(p_ids, 1), 0) loop
    return next ledger_create_transfer(p_ids[i], p_kinds[i], p_debit_account_ids[i], p_credit_account_ids[i],
                                       p_amounts_minor[i], p_currencies[i], p_pending_ids[i], p_metadata[i],
                                       p_ids[1]);
  end loop;
end $$;
`;

const DOWN = String.raw`
drop function if exists ledger_create_transfers(text[], text[], text[], text[], bigint[], text[], text[], jsonb[]);
drop function if exists ledger_create_transfer(text, text, text, text, bigint, text, text, jsonb, text);
drop function if exists ledger_replay(ledger_transfers, text, text, text, bigint, text, text, jsonb);
drop function if exists ledger_refusal(text, text);
drop function if exists ledger_outcome(text, ledger_transfers);
drop function if exists ledger_create_accounts(text[], text[], text[], boolean[], boolean[], integer[], jsonb[]);
drop function if exists ledger_shard(text, integer);
drop type if exists ledger_transfer_outcome;
drop type if exists ledger_account_outcome;
drop table if exists ledger_transfers;
drop table if exists ledger_balances;
drop table if exists ledger_accounts;
drop function if exists ledger_guard_immutable();
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(UP);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(DOWN);
}
