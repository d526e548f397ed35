// Two checkouts on one machine, each with its embedded PostgreSQL: the second
// finds the default port held by the first's cluster, says so in one line and
// runs on a free port; a port the operator chose that is held stops the start
// with the setting to change; a second process of the moved checkout attaches
// to its cluster on the port it really runs on.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { EmbeddedDatabaseError, startEmbedded } from '#app/db/embedded';
import { lines, manage } from '#test/support/cli';
import { onCleanup } from '#test/support/cleanup';
import { clusterDir, freePortPair, noServerLeft } from '#test/support/embedded';

async function dataDirectory(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ dir: string }>(`select current_setting('data_directory') as dir`)).rows[0].dir;
  } finally {
    await c.end();
  }
}

describe('embedded PostgreSQL of two checkouts', () => {
  it('start side by side: the second moves off the held default port, in one line', async () => {
    const [dirA, dirB, dirC] = [clusterDir('checkout-a'), clusterDir('checkout-b'), clusterDir('checkout-c')];
    const port = await freePortPair();
    const a = await startEmbedded({ dir: dirA, port, movable: true, database: 'orbis' });
    onCleanup(() => a.stop());
    assert.equal(a.port, port);

    const said: string[] = [];
    const b = await startEmbedded({
      dir: dirB,
      port,
      movable: true,
      portSetting: 'ORBIS_EMBEDDED_PG_PORT',
      database: 'orbis',
      log: (l) => said.push(l),
    });
    onCleanup(() => b.stop());
    assert.notEqual(b.port, port);
    const moved = said.filter((l) => /port/.test(l));
    assert.deepEqual(moved, [
      `embedded PostgreSQL: port ${port} is held by another PostgreSQL (data in ${path.join(dirA, 'data')}; another checkout's embedded cluster?); ` +
        `using port ${b.port} (set ORBIS_EMBEDDED_PG_PORT to choose one)`,
    ]);
    assert.equal(await dataDirectory(a.url), path.join(dirA, 'data'));
    assert.equal(await dataDirectory(b.url), path.join(dirB, 'data'));

    // A port the operator chose is not moved: the error names the setting.
    await assert.rejects(
      startEmbedded({ dir: dirC, port, movable: false, portSetting: 'ORBIS_EMBEDDED_PG_PORT (database.embedded.port)', database: 'orbis' }),
      (err: Error) => {
        assert.ok(err instanceof EmbeddedDatabaseError);
        assert.match(
          err.message,
          new RegExp(
            `^embedded PostgreSQL: port ${port} is held by another PostgreSQL .*: set ORBIS_EMBEDDED_PG_PORT \\(database\\.embedded\\.port\\) to a free port`,
          ),
        );
        return true;
      },
    );
    await noServerLeft(dirC);

    // The same through manage.ts, as an operator sees it: one line, exit 1.
    const refused = await manage(['db', 'status'], {
      DATABASE_URL: '',
      NODE_ENV: 'development',
      ORBIS_EMBEDDED_PG_DIR: dirC,
      ORBIS_EMBEDDED_PG_PORT: String(port),
    });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(lines(refused.stderr).length, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(
        `^error: embedded PostgreSQL: port ${port} is held by .*set ORBIS_EMBEDDED_PG_PORT \\(database\\.embedded\\.port\\) to a free port`,
      ),
    );

    // A second process of checkout B attaches to B's cluster where it really listens.
    const status = await manage(['db', 'status'], {
      DATABASE_URL: '',
      NODE_ENV: 'development',
      ORBIS_EMBEDDED_PG_DIR: dirB,
      ORBIS_EMBEDDED_PG_PORT: String(port),
    });
    assert.equal(status.code, 0, status.stderr);

    await b.stop();
    await a.stop();
    await noServerLeft(dirA, port);
    await noServerLeft(dirB, b.port);
  });
});
