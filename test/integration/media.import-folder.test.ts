// ./manage.ts import-folder, run as the shell runs it, on a real database
// and RabbitMQ: new files become cards, a file named after a card number is
// attached to it, a hostile file is refused with the reason and leaves
// nothing behind; the images worker (started here on the CLI's queue prefix)
// processes what was imported; a second run skips by hash; a deleted file is
// reported vanished; bad arguments are one line and exit 1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { startWorkers } from '#app/worker/start';
import type { Card } from '#app/services/cards';
import { originalRel, thumbRel, THUMBS_VERSION } from '#app/services/media-files';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { lines, manage } from '#test/support/cli';
import { testDatabase, type TestDatabase } from '#test/support/db';
import { fixture, settled } from '#test/support/media';
import { AMQP_URL, testTransport, uniquePrefix } from '#test/support/queue';
import { inCI } from '#test/support/servers';

const SETS = ['--set', 'supplier=Scanner', '--set', 'amount=0', '--set', 'category=office'];

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under a folder (relative paths). */
function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

describe('manage.ts import-folder', { skip: !AMQP_URL && !inCI ? 'RabbitMQ is not available: set AMQP_URL' : false }, () => {
  let db: TestDatabase;
  let ctx: AppContext;
  let mediaRoot: string;
  let dir: string;
  let env: Record<string, string>;
  let existing: Card;
  const HTML = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');

  before(async () => {
    if (!AMQP_URL) throw new Error('AMQP_URL is required in CI but is not set');
    db = await testDatabase();
    mediaRoot = tempDir('orbis-media-');
    dir = tempDir('orbis-drop-');
    const prefix = uniquePrefix();
    env = { DATABASE_URL: db.url, MEDIA_ROOT: mediaRoot, AMQP_URL, ORBIS_QUEUE_PREFIX: prefix };
    const transport = await testTransport('amqp', { prefix });
    ({ ctx } = await testContext({ MEDIA_ROOT: mediaRoot }, undefined, db, { transport }));
    const runner = await startWorkers(ctx, { queues: ['images'] });
    onCleanup(() => runner.stop(2000));
    await sessionUserFor(ctx, 'boss@example.com', { superuser: true });
    const olga = await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator'] });
    existing = await makePurchase(ctx, olga);

    fs.writeFileSync(path.join(dir, 'delivery_note.jpg'), await fixture('jpeg', 640, 480));
    fs.mkdirSync(path.join(dir, 'batch 2'));
    fs.writeFileSync(path.join(dir, 'batch 2', 'signed-form.png'), await fixture('png', 300, 200));
    fs.writeFileSync(path.join(dir, `${existing.number}_receipt.webp`), await fixture('webp', 400, 300));
    fs.writeFileSync(path.join(dir, 'invoice.jpg'), HTML);
  });

  it('makes new cards, attaches by card number, refuses the hostile file with the reason, and the worker processes the images', async () => {
    const r = await manage(['import-folder', dir, '--type', 'purchase_request', ...SETS], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = lines(r.stdout);
    assert.equal(out.at(-1), 'summary: 2 new card(s), 1 attached, 0 skipped, 1 refused, 0 vanished');
    assert.ok(
      out.some((l) => /^refused invoice\.jpg: HTML files are refused/.test(l)),
      r.stdout,
    );
    assert.ok(out.includes(`attached to ${existing.number}: ${existing.number}_receipt.webp`), r.stdout);

    const cards = await ctx.db.rows<{ id: number; title: string; owner_email: string; data: Record<string, unknown>; number: string }>(
      `select c.id, c.title, c.number, c.data, u.email as owner_email from cards c join users u on u.id = c.owner_id where c.id <> $1 order by c.id`,
      [existing.id],
    );
    assert.deepEqual(
      cards.map((c) => [c.title, c.owner_email]),
      [
        ['signed-form', 'boss@example.com'],
        ['delivery note', 'boss@example.com'],
      ],
    );
    assert.deepEqual(cards[0].data.supplier, 'Scanner');
    assert.ok(out.includes(`new card ${cards[1].number}: delivery_note.jpg`), r.stdout);

    const media = await ctx.db.rows<{ id: number; card_id: number; original_name: string; sha256: string }>(
      'select id, card_id, original_name, sha256 from media order by original_name',
    );
    assert.deepEqual(
      media.map((m) => [m.original_name, m.card_id]),
      [
        [`${existing.number}_receipt.webp`, existing.id],
        ['delivery_note.jpg', cards[1].id],
        ['signed-form.png', cards[0].id],
      ],
    );
    const jobs = await ctx.db.rows<{ n: number }>("select count(*)::int as n from jobs where kind = 'images.process'");
    assert.equal(jobs[0].n, 3);
    // The scanner path feeds recognition as it feeds thumbnails: each photo's faces job waits on its thumbnails job.
    const faces = await ctx.db.rows<{ n: number }>(
      `select count(*)::int as n from jobs f join jobs t on t.id = any(f.depends_on)
        where f.kind = 'images.faces' and t.kind = 'images.process' and t.payload->>'mediaId' = f.payload->>'mediaId'`,
    );
    assert.equal(faces[0].n, 3);
    const log = await ctx.db.rows<{ path: string; media_id: number }>('select path, media_id from media_imports order by path');
    assert.deepEqual(
      log.map((l) => l.path),
      [`${existing.number}_receipt.webp`, 'batch 2/signed-form.png', 'delivery_note.jpg'],
    );

    for (const m of media) {
      const row = await settled(ctx, m.id);
      assert.equal(row.state, 'ready', `${m.original_name}: ${row.error}`);
      assert.ok(fs.existsSync(path.join(mediaRoot, thumbRel(m.sha256, THUMBS_VERSION, 160, 'webp'))), `${m.original_name} has a thumbnail`);
    }
    // Nothing of the hostile file: no card, no row, no stored byte, no temp file; the source is untouched.
    const stored = filesUnder(mediaRoot).filter((f) => f.startsWith('originals'));
    assert.deepEqual(stored.sort(), media.map((m) => originalRel(m.sha256)).sort());
    assert.deepEqual(filesUnder(path.join(mediaRoot, 'tmp')), []);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'invoice.jpg')), HTML);
  });

  it('imports nothing the second time: every image is skipped by its hash', async () => {
    const r = await manage(['import-folder', dir, '--type', 'purchase_request', ...SETS], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout).at(-1), 'summary: 0 new card(s), 0 attached, 3 skipped, 1 refused, 0 vanished');
    const [{ n }] = await ctx.db.rows<{ n: number }>('select count(*)::int as n from media');
    assert.equal(n, 3);
  });

  it('reports a deleted file as vanished, once', async () => {
    fs.rmSync(path.join(dir, 'batch 2', 'signed-form.png'));
    const r = await manage(['import-folder', dir, '--type', 'purchase_request', ...SETS], env);
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.ok(out.includes('vanished (imported before, no longer in the folder): batch 2/signed-form.png'), r.stdout);
    assert.equal(out.at(-1), 'summary: 0 new card(s), 0 attached, 2 skipped, 1 refused, 1 vanished');
    const again = await manage(['import-folder', dir, '--type', 'purchase_request', ...SETS], env);
    assert.equal(lines(again.stdout).at(-1), 'summary: 0 new card(s), 0 attached, 2 skipped, 1 refused, 0 vanished');
  });

  it('reports a file named after an unknown card number and makes no card of it', async () => {
    const other = tempDir('orbis-drop-');
    fs.writeFileSync(path.join(other, 'PR-999999.jpg'), await fixture('jpeg', 100, 100));
    const before = await ctx.db.rows<{ n: number }>('select count(*)::int as n from cards');
    const r = await manage(['import-folder', other, '--type', 'purchase_request', ...SETS], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^refused PR-999999\.jpg: no card PR-999999/m);
    const after = await ctx.db.rows<{ n: number }>('select count(*)::int as n from cards');
    assert.equal(after[0].n, before[0].n);
  });

  for (const [why, args, message] of [
    [
      'a missing folder',
      () => ['import-folder', path.join(dir, 'nope'), '--type', 'purchase_request', ...SETS],
      /^error: the folder .*nope does not exist$/,
    ],
    [
      'a file instead of a folder',
      () => ['import-folder', path.join(dir, 'invoice.jpg'), '--type', 'purchase_request', ...SETS],
      /^error: .*invoice\.jpg is not a folder$/,
    ],
    ['an unknown type', () => ['import-folder', dir, '--type', 'spaceship'], /^error: unknown card type "spaceship"/],
    ['no --type', () => ['import-folder', dir], /^error: --type TYPE is required$/],
    [
      'required fields with no value',
      () => ['import-folder', dir, '--type', 'purchase_request'],
      /^error: purchase_request has required fields with no value: supplier, amount, category/,
    ],
    [
      'a bad field value',
      () => ['import-folder', dir, '--type', 'purchase_request', '--set', 'supplier=X', '--set', 'amount=lots', '--set', 'category=office'],
      /^error: --set amount: /,
    ],
  ] as const) {
    it(`refuses ${why} with one line and exit 1`, async () => {
      const r = await manage([...args()], env);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(lines(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr.trim(), message);
    });
  }

  it('refuses with one line when no superuser could own the cards', async () => {
    const empty = await testDatabase();
    const r = await manage(['import-folder', dir, '--type', 'purchase_request', ...SETS], { ...env, DATABASE_URL: empty.url });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^error: no active superuser to own the new cards/);
  });
});
