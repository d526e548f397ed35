// The embedded PostgreSQL: first start, and recovery from a server left
// running by a process killed with kill -9 together with its guard.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startEmbedded } from '#app/db/embedded';
import { createMigrator } from '#app/db/migrate';
import { ROOT } from '#test/support/cli';
import { freePort } from '#test/support/deploy';

const dir = path.join(ROOT, 'var', `pg-recovery-${process.pid}`);

async function query(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query<{ n: number }>('select 42 as n');
  await c.end();
  return r.rows[0].n;
}

describe('embedded PostgreSQL', () => {
  it('starts, survives kill -9 of its owner, migrates, and stops', async () => {
    // A port the system says is free, not one picked from the pid: that fell in
    // the ephemeral range, where another test's outgoing connection could hold it.
    const port = await freePort();
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      // A child process starts the server, then is killed with SIGKILL.
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `
        import('#app/db/embedded').then(async ({ startEmbedded }) => {
          const s = await startEmbedded({ dir: ${JSON.stringify(dir)}, port: ${port}, database: 'orbis' });
          console.log('READY ' + s.url);
          setInterval(() => {}, 1000);
        });`,
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c;
          const m = /READY (\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
      });
      assert.equal(await query(url), 42);
      // Its guard (which would stop the server once the owner dies) is killed
      // first: a server can still be left behind, say when both are killed.
      const guard = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' })
        .stdout.split('\n')
        .find((l) => /pg_ctl/.test(l) && /read /.test(l));
      assert.ok(guard, 'the owner runs a guard process');
      process.kill(Number(guard.trim().split(' ')[0]), 'SIGKILL');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const stalePid = Number(fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      assert.doesNotThrow(() => process.kill(stalePid, 0), 'the server outlived its killed owner');

      const logs: string[] = [];
      const server = await startEmbedded({ dir, port, database: 'orbis', log: (l) => logs.push(l) });
      assert.equal(server.owner, true);
      assert.ok(
        logs.some((l) => /stale embedded PostgreSQL/.test(l)),
        logs.join('\n'),
      );
      assert.equal(await query(server.url), 42);
      const migrator = await createMigrator({ url: server.url, schema: 'public' });
      const applied = await migrator.upgrade();
      assert.ok(applied.includes('0001-users-and-roles'));
      assert.deepEqual((await migrator.status()).pending, []);
      await migrator.close();
      await server.stop();
      assert.equal(fs.existsSync(path.join(dir, 'data', 'postmaster.pid')), false, 'stopped cleanly');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
