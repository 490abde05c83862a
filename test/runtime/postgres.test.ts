import { Client } from 'pg';
import { testOwnerDatabaseUrl } from '../support/env';

describe('PostgreSQL runtime', () => {
  it('serves a real PostgreSQL with the migrations applied', async () => {
    // Migration bookkeeping is the owner's; the app's role cannot read it.
    const client = new Client({ connectionString: testOwnerDatabaseUrl() });
    await client.connect();
    try {
      const version = await client.query<{ server_version_num: string }>('show server_version_num');
      expect(Number(version.rows[0].server_version_num)).toBeGreaterThanOrEqual(150000);
      const migrations = await client.query<{ name: string }>('select name from knex_migrations order by id');
      expect(migrations.rows.map((r) => r.name)).toContain('0001_ledger');
    } finally {
      await client.end();
    }
  });
});
