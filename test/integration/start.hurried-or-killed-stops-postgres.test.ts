// `npm start` stopped the hard ways: a second SIGINT while the first waits
// for a request in flight hurries the stop but never skips stopping the
// embedded PostgreSQL; kill -9 of the app leaves no postgres either (a guard
// process stops it).
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { onCleanup } from '#test/support/cleanup';
import { alive, clusterDir, freePortPair, noServerLeft, postmaster } from '#test/support/embedded';
import { assertAllStopped, npmStart } from '#test/support/npm-start';
import { eventually } from '#test/support/queue';

const dir = clusterDir('start-hurried');
const pgPort = await freePortPair();

describe('npm start stops the app and the embedded PostgreSQL', () => {
  it('on a second SIGINT while the first waits for a request in flight: sooner, and still stopping PostgreSQL', async () => {
    const run = await npmStart(dir, pgPort);
    // A request whose body never finishes: the graceful stop waits for it (up to 10 s).
    const { port } = new URL(run.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail=',
    );
    onCleanup(() => socket.destroy());
    await new Promise((r) => setTimeout(r, 500));
    const first = Date.now();
    process.kill(-run.npm, 'SIGINT');
    await eventually(() => /Stopping \(SIGINT\)/.test(run.out()), 10_000, 'the stop announced');
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(alive(run.app), 'the graceful stop still waits for the request');
    process.kill(-run.npm, 'SIGINT');
    await assertAllStopped(run, dir, pgPort, 'a second SIGINT');
    assert.match(run.out(), /Stopping now \(SIGINT again\)/);
    assert.ok(Date.now() - first < 9_000, `hurried: stopped ${Date.now() - first} ms after the first signal, before the 10 s deadline`);
  });

  it('when the app is killed with kill -9', async () => {
    const run = await npmStart(dir, pgPort);
    const server = postmaster(dir)!;
    process.kill(run.app, 'SIGKILL');
    await run.exited;
    await noServerLeft(dir, pgPort);
    await eventually(() => !alive(server.pid), 10_000, 'the postmaster gone');
  });
});
