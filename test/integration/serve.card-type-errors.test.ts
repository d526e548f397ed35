// `manage.ts serve` with a broken card type file: at start it stops at once
// with one line naming the file, the place inside it and the problem (exit
// 1); on SIGHUP the new generation cannot start, so the running one keeps
// serving, the reason is logged and the number of web processes stays as
// configured. Once the file is fixed, the next SIGHUP replaces every process.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onCleanup } from '#test/support/cleanup';
import { lines, ROOT } from '#test/support/cli';
import { testDatabase } from '#test/support/db';
import { freePort, stopChild, tempDir, waitFor } from '#test/support/deploy';
import { descendants } from '#test/support/deploy-run';
import { AMQP_URL, testTransport, transportAvailable, uniquePrefix } from '#test/support/queue';

const SHIPPED = path.join(ROOT, 'conf', 'cardtypes');
const PROBLEM =
  'card type purchase_request: field supplier: type "strng" is not one of string, text, number, decimal, date, datetime, boolean, select, user, reference, images';

/** A copy of the shipped card types, in a folder the setting cardTypes.dir can point at. */
function cardTypesCopy(): string {
  const dir = tempDir('cardtypes');
  for (const f of fs.readdirSync(SHIPPED)) fs.copyFileSync(path.join(SHIPPED, f), path.join(dir, f));
  return dir;
}

function breakPurchaseRequest(dir: string): string {
  const file = path.join(dir, 'purchase-request.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const broken = text.replace(/(- name: supplier\n\s+type:) string/, '$1 strng');
  assert.notEqual(broken, text, 'the supplier field was found to break');
  fs.writeFileSync(file, broken);
  return file;
}

interface Serve {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

async function serve(port: number, env: Record<string, string>): Promise<Serve> {
  const db = await testDatabase();
  const prefix = uniquePrefix();
  await testTransport('amqp', { prefix }); // deletes the prefix's queues at the end
  const child = spawn(path.join(ROOT, 'manage.ts'), ['serve', '-p', String(port), '-w', '2', '--max-requests', '0'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      AMQP_URL: AMQP_URL!,
      ORBIS_QUEUE_PREFIX: prefix,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  onCleanup(() => stopChild(child, 'SIGTERM', 30_000));
  return { child, output: () => out, exited };
}

async function allAnswer(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } });
    await res.text();
    assert.equal(res.status, 200);
  }
}

describe('manage.ts serve with a broken card type', () => {
  it('stops at start with one line naming the file, the place in it and the problem', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const dir = cardTypesCopy();
    const file = breakPurchaseRequest(dir);
    const s = await serve(await freePort(), { ORBIS_CARDTYPES_DIR: dir });
    const timeout = setTimeout(() => s.child.kill('SIGKILL'), 30_000);
    const code = await s.exited;
    clearTimeout(timeout);
    assert.equal(code, 1, s.output());
    assert.deepEqual(lines(s.output()), [`error: ${file}: ${PROBLEM}`]);
  });

  it('keeps the running web processes when a SIGHUP generation cannot start, and reloads once the file is fixed', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const dir = cardTypesCopy();
    const port = await freePort();
    const s = await serve(port, { ORBIS_CARDTYPES_DIR: dir });
    await waitFor(async () => /Orbis is serving/.test(s.output()), 150_000, 'serve to listen').catch((err: Error) => {
      throw new Error(`${err.message}\n${s.output()}`);
    });
    const pid = s.child.pid!;
    const first = descendants(pid).sort();
    assert.equal(first.length, 2, `2 web processes: ${first}`);
    await allAnswer(port, 5);

    const file = breakPurchaseRequest(dir);
    s.child.kill('SIGHUP');
    await waitFor(
      async () => /reload failed, the running web processes keep serving/.test(s.output()),
      150_000,
      'the failed reload to be logged',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${s.output()}`);
    });
    const failed = lines(s.output()).find((l) => l.includes('reload failed'))!;
    assert.ok(failed.includes(`${file}: ${PROBLEM}`), `the reason is logged: ${failed}`);
    // The failed generation is gone; the first one serves on, and stays as many as configured.
    await waitFor(async () => descendants(pid).length === 2, 30_000, 'the failed generation to be gone');
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(descendants(pid).sort(), first, 'the same 2 web processes');
    await allAnswer(port, 10);

    fs.copyFileSync(path.join(SHIPPED, 'purchase-request.yaml'), file);
    s.child.kill('SIGHUP');
    await waitFor(async () => /SIGHUP: reloaded, 2 new web process\(es\) serving/.test(s.output()), 150_000, 'the reload').catch(
      (err: Error) => {
        throw new Error(`${err.message}\n${s.output()}`);
      },
    );
    await waitFor(
      async () => descendants(pid).every((p) => !first.includes(p)) && descendants(pid).length === 2,
      60_000,
      'the old generation to leave',
    );
    await allAnswer(port, 10);

    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.output());
  });
});
