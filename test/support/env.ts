/** Connection settings the global setup put in the environment. */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run tests through jest (test/global-setup.ts)');
  return url;
}

/** The schema owner's connection, for fixtures that must write what the app role may not. */
export function testOwnerDatabaseUrl(): string {
  const url = process.env.TEST_MIGRATION_DATABASE_URL;
  if (!url) throw new Error('TEST_MIGRATION_DATABASE_URL is not set: run tests through jest (test/global-setup.ts)');
  return url;
}

export function testTemporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run tests through jest (test/global-setup.ts)');
  return address;
}

/** Ids unique within one test run, so files can share one database and one Temporal server. */
let counter = 0;
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
