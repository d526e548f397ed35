// Each test file gets its own database, cloned from the migrated template
// that test/run.ts prepared (on the real server when DATABASE_URL is set).
import crypto from 'node:crypto';
import { onCleanup } from '#test/support/cleanup';
import { adminStatement, withDatabase } from '#test/support/pg-admin';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through \`npm test\` (test/run.ts)`);
  return v;
}

function adminQuery(sql: string): Promise<void> {
  return adminStatement(env('ORBIS_TEST_ADMIN_URL'), sql);
}

/** A fresh migrated database, dropped when the file's tests end. */
export async function testDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `orbis_t_${env('ORBIS_TEST_RUNNER_PID')}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : env('ORBIS_TEST_TEMPLATE');
  // CREATE DATABASE … TEMPLATE fails while another session uses the template
  // (a parallel file cloning at the same instant): retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`create database "${name}" template "${template}"`);
      break;
    } catch (err) {
      if (attempt > 40 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  let dropped = false;
  const db: TestDatabase = {
    url: withDatabase(env('ORBIS_TEST_ADMIN_URL'), name),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
  onCleanup(() => db.drop());
  return db;
}
