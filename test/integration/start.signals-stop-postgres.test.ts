// `npm start` stopped by a signal: a Ctrl-C (SIGINT to the process group,
// which npm passes on once more), SIGTERM to the group, SIGTERM to the npm
// process alone. Each must stop the app and leave no postgres of its cluster
// behind (the embedded PostgreSQL runs in a session of its own: no signal to
// the group reaches it). The harder paths are in
// start.hurried-or-killed-stops-postgres.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterDir, freePortPair } from '#test/support/embedded';
import { assertAllStopped, npmStart } from '#test/support/npm-start';

const dir = clusterDir('start-signals');
const pgPort = await freePortPair();

describe('npm start stops the app and the embedded PostgreSQL', () => {
  it('on a Ctrl-C: SIGINT to the process group', async () => {
    const run = await npmStart(dir, pgPort);
    process.kill(-run.npm, 'SIGINT');
    await assertAllStopped(run, dir, pgPort, 'SIGINT to the group');
    // The app got the SIGINT twice (from the group and from npm): one request, a graceful stop.
    assert.match(run.out(), /Stopping \(SIGINT\): finishing requests and jobs in flight/);
    assert.doesNotMatch(run.out(), /Stopping now/, 'npm passing the Ctrl-C on is not a second request');
  });

  it('on SIGTERM to the npm process alone', async () => {
    const run = await npmStart(dir, pgPort);
    process.kill(run.npm, 'SIGTERM');
    await assertAllStopped(run, dir, pgPort, 'SIGTERM to npm');
  });

  it('on SIGTERM to the process group', async () => {
    const run = await npmStart(dir, pgPort);
    process.kill(-run.npm, 'SIGTERM');
    await assertAllStopped(run, dir, pgPort, 'SIGTERM to the group');
  });
});
