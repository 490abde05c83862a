import { Client } from 'pg';
import { testDatabaseUrl } from '../support/env';

describe('PostgreSQL runtime', () => {
  it('serves a real PostgreSQL with the migrations applied', async () => {
    const client = new Client({ connectionString: testDatabaseUrl() });
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
