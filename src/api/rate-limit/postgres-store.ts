import type { Knex } from 'knex';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

/**
 * An express-rate-limit Store over our own knex pool: a fixed window per key, counted by one
 * upsert, so several api processes share one count. The database's clock decides windows, so
 * processes with skewed clocks still agree.
 *
 * Why not @acpr/rate-limit-postgresql (the maintained PostgreSQL store): it runs its own
 * migrations (postgres-migrations) at start-up with the app's connection, so the app role would
 * need DDL rights in production; it brings a second pg (8.11) and a second pool. Here the table
 * comes from our migrations (0010) and the app role only reads and writes rows.
 */
export const RATE_LIMIT_TABLE = 'rate_limit_hits';
/** Expired rows are deleted at most this often (per process). */
const PRUNE_INTERVAL_MS = 60_000;

export class PostgresRateLimitStore implements Store {
  readonly localKeys = false;
  prefix: string;
  private windowMs = 60_000;
  private lastPruneMs = 0;

  constructor(
    private readonly knex: Knex,
    prefix: string,
  ) {
    this.prefix = prefix;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private key(key: string): string {
    return `${this.prefix}${key}`;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.knex(RATE_LIMIT_TABLE)
      .where({ key: this.key(key) })
      .where('reset_at', '>', this.knex.fn.now())
      .first('hits', 'reset_at');
    return row ? { totalHits: Number(row.hits), resetTime: new Date(row.reset_at) } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    this.pruneNowAndThen();
    const { rows } = await this.knex.raw<{ rows: Array<{ hits: number; reset_at: Date }> }>(
      `insert into ${RATE_LIMIT_TABLE} as r (key, hits, reset_at)
       values (?, 1, now() + make_interval(secs => ?::double precision / 1000))
       on conflict (key) do update set
         hits = case when r.reset_at <= now() then 1 else r.hits + 1 end,
         reset_at = case when r.reset_at <= now() then excluded.reset_at else r.reset_at end
       returning hits, reset_at`,
      [this.key(key), this.windowMs],
    );
    return { totalHits: Number(rows[0].hits), resetTime: new Date(rows[0].reset_at) };
  }

  async decrement(key: string): Promise<void> {
    await this.knex(RATE_LIMIT_TABLE)
      .where({ key: this.key(key) })
      .where('hits', '>', 0)
      .decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.knex(RATE_LIMIT_TABLE)
      .where({ key: this.key(key) })
      .delete();
  }

  /** Deletes long-expired rows now and then; a failed prune costs nothing but space. */
  private pruneNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastPruneMs < PRUNE_INTERVAL_MS) return;
    this.lastPruneMs = now;
    void this.knex(RATE_LIMIT_TABLE)
      .where('reset_at', '<', this.knex.raw(`now() - interval '1 minute'`))
      .delete()
      .catch(() => undefined);
  }
}
