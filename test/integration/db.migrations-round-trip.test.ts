import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createMigrator } from '#app/db/migrate';
import { testDatabase } from '#test/support/db';
import { manage } from '#test/support/cli';

async function tables(url: string, schema: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1 order by 1', [
      schema,
    ]);
    return r.rows.map((x) => x.table_name);
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  it('upgrade twice at once applies each migration once; downgrade all and upgrade round-trips', async () => {
    const db = await testDatabase({ migrated: false });
    const target = { url: db.url, schema: 'public' };
    const [a, b] = await Promise.all([createMigrator(target), createMigrator(target)]);
    const [appliedA, appliedB] = await Promise.all([a.upgrade(), b.upgrade()]);
    const all = (await a.status()).executed;
    assert.ok(all.length >= 3);
    assert.deepEqual([...appliedA, ...appliedB].sort(), all, 'each migration applied exactly once across both runs');
    assert.ok(appliedA.length === 0 || appliedB.length === 0, 'the second run waited and found nothing pending');
    assert.deepEqual((await a.status()).pending, []);
    const before = await tables(db.url, 'public');
    assert.ok(before.includes('users') && before.includes('sessions'));

    const reverted = await a.downgrade(Infinity);
    assert.deepEqual(reverted, [...all].reverse());
    assert.deepEqual(await tables(db.url, 'public'), ['orbis_migrations'], 'every down() removes what its up() made');
    assert.deepEqual(await a.upgrade(), all);
    assert.deepEqual(await tables(db.url, 'public'), before);
    await a.close();
    await b.close();
  });

  it('puts every table in DATABASE_SCHEMA, through the CLI', async () => {
    const db = await testDatabase({ migrated: false });
    const up = await manage(['db', 'upgrade'], { DATABASE_URL: db.url, DATABASE_SCHEMA: 'orbis_dev' });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /applied 0001-users-and-roles/);
    const again = await manage(['db', 'upgrade'], { DATABASE_URL: db.url, DATABASE_SCHEMA: 'orbis_dev' });
    assert.match(again.stdout, /Nothing to apply/);
    const status = await manage(['db', 'status'], { DATABASE_URL: db.url, DATABASE_SCHEMA: 'orbis_dev' });
    assert.match(status.stdout, /Up to date \(\d+ applied, schema orbis_dev\)/);
    assert.ok((await tables(db.url, 'orbis_dev')).includes('users'));
    assert.deepEqual(await tables(db.url, 'public'), [], 'nothing leaks into public');
    const down = await manage(['db', 'downgrade'], { DATABASE_URL: db.url, DATABASE_SCHEMA: 'orbis_dev' });
    assert.match(down.stdout, /reverted \d{4}-/);
    const pending = await manage(['db', 'status'], { DATABASE_URL: db.url, DATABASE_SCHEMA: 'orbis_dev' });
    assert.match(pending.stdout, /1 pending: run \.\/manage\.ts db upgrade/);
  });

  it('rolls a failing migration back whole, leaving no record of it', async () => {
    const db = await testDatabase({ migrated: false });
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    // Sabotage: a table that the first migration wants to create already exists.
    await c.query('create table roles (x int)');
    const m = await createMigrator({ url: db.url, schema: 'public' });
    await assert.rejects(m.upgrade(), /relation "roles" already exists/);
    assert.deepEqual((await m.status()).executed, []);
    const left = await c.query("select 1 from information_schema.tables where table_name = 'users'");
    assert.equal(left.rowCount, 0, 'the users table of the failed migration was rolled back');
    await m.close();
    await c.end();
  });
});
