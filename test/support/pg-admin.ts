// Statements on a PostgreSQL server as a whole (create and drop a database),
// for the test runner, the tests' databases and the benchmarks' alike. No
// node:test here: a benchmark that imported it would print a test report.
import pg from 'pg';

/** `url` with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One statement on its own connection to `url` (CREATE/DROP DATABASE cannot run in a transaction). */
export async function adminStatement(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
