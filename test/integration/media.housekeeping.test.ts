// ./manage.ts housekeeping, run as the shell runs it: thumbnails of an older
// recipe version are made again (row version raised, new files written, the
// old version's files deleted), and files under MEDIA_ROOT that no media row
// names are deleted while every referenced file stays.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { startWorkers } from '#app/worker/start';
import type { Media } from '#app/services/media';
import { hashFile, originalRel, thumbRel, THUMB_FORMATS, THUMB_WIDTHS, THUMBS_VERSION } from '#app/services/media-files';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { lines, manage } from '#test/support/cli';
import { testDatabase, type TestDatabase } from '#test/support/db';
import { fixture, mediaRow, settled } from '#test/support/media';
import { testTransport } from '#test/support/queue';

const OLD = THUMBS_VERSION - 1;

function thumbs(sha: string, version: number): string[] {
  return THUMB_WIDTHS.flatMap((w) => THUMB_FORMATS.map((f) => thumbRel(sha, version, w, f)));
}

describe('manage.ts housekeeping', () => {
  let db: TestDatabase;
  let ctx: AppContext;
  let mediaRoot: string;
  let stale: Media;
  let current: Media;
  const at = (rel: string) => path.join(mediaRoot, rel);

  before(async () => {
    db = await testDatabase();
    mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-media-'));
    onCleanup(() => fs.rmSync(mediaRoot, { recursive: true, force: true }));
    ({ ctx } = await testContext({ MEDIA_ROOT: mediaRoot }, undefined, db, { transport: await testTransport('local') }));
    const runner = await startWorkers(ctx, { queues: ['images'] });
    onCleanup(() => runner.stop(2000));
    const olga = await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator'] });
    const card = await makePurchase(ctx, olga);
    const received = [];
    for (const [name, data] of [
      ['old.jpg', await fixture('jpeg', 900, 600)],
      ['new.png', await fixture('png', 500, 400)],
    ] as const) {
      const tempFile = await ctx.services.media.files.tempPath();
      fs.writeFileSync(tempFile, data);
      received.push({ tempFile, name, ...(await hashFile(tempFile)), truncated: false });
    }
    const [a, b] = await ctx.services.media.attach(olga, card, null, received);
    stale = await settled(ctx, a.id);
    current = await settled(ctx, b.id);
    assert.equal(stale.state, 'ready', stale.error ?? '');
    assert.equal(current.state, 'ready', current.error ?? '');
    await runner.stop(2000); // from here on only the command works on the files

    // `stale` was made by the previous recipe: its row says so and its files carry that version.
    await ctx.db.exec('update media set thumbs_version = $2 where id = $1', [stale.id, OLD]);
    for (const rel of thumbs(stale.sha256, THUMBS_VERSION)) {
      fs.mkdirSync(path.dirname(at(rel)), { recursive: true });
      fs.renameSync(at(rel), at(rel.replace(`-v${THUMBS_VERSION}-`, `-v${OLD}-`)));
    }
  });

  it('remakes old-version thumbnails and deletes only files no media row names', async () => {
    const orphanSha = 'ab'.repeat(32);
    const orphans = [
      originalRel(orphanSha),
      thumbRel(orphanSha, THUMBS_VERSION, 160, 'webp'),
      thumbRel(current.sha256, THUMBS_VERSION + 5, 640, 'jpg'),
    ];
    // Files no row names are deleted only once they are an hour old: a fresh
    // one may belong to an upload or a thumbnail run not yet committed.
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const rel of orphans) {
      fs.mkdirSync(path.dirname(at(rel)), { recursive: true });
      fs.writeFileSync(at(rel), 'nobody names me');
      fs.utimesSync(at(rel), hoursAgo, hoursAgo);
    }
    for (const rel of thumbs(stale.sha256, OLD)) fs.utimesSync(at(rel), hoursAgo, hoursAgo);
    const freshOrphan = thumbRel('cd'.repeat(32), THUMBS_VERSION, 160, 'jpg');
    fs.mkdirSync(path.dirname(at(freshOrphan)), { recursive: true });
    fs.writeFileSync(at(freshOrphan), 'written a moment ago');
    // An upload that died a day ago, and one in progress now.
    const deadTemp = await ctx.services.media.files.tempPath();
    fs.writeFileSync(deadTemp, 'half an upload');
    fs.utimesSync(deadTemp, new Date(Date.now() - 25 * 3600_000), new Date(Date.now() - 25 * 3600_000));
    const liveTemp = await ctx.services.media.files.tempPath();
    fs.writeFileSync(liveTemp, 'arriving');
    const currentMtimes = thumbs(current.sha256, THUMBS_VERSION).map((rel) => fs.statSync(at(rel)).mtimeMs);

    const r = await manage(['housekeeping'], { DATABASE_URL: db.url, MEDIA_ROOT: mediaRoot });
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out[0], 'thumbnails remade: 1');
    // Six old thumbnails of `stale`, three planted orphans, the dead temp file.
    assert.match(out[1], /^unreferenced files deleted: 10 /);

    const row = await mediaRow(ctx, stale.id);
    assert.equal(row.thumbs_version, THUMBS_VERSION);
    assert.equal(row.state, 'ready');
    for (const rel of thumbs(stale.sha256, THUMBS_VERSION)) assert.ok(fs.existsSync(at(rel)), `remade ${rel}`);
    for (const rel of thumbs(stale.sha256, OLD)) assert.ok(!fs.existsSync(at(rel)), `old ${rel} deleted`);
    for (const rel of orphans) assert.ok(!fs.existsSync(at(rel)), `orphan ${rel} deleted`);
    assert.ok(!fs.existsSync(deadTemp), 'a day-old temp file is deleted');
    assert.ok(fs.existsSync(liveTemp), 'a fresh temp file (an upload in progress) stays');
    assert.ok(fs.existsSync(at(freshOrphan)), 'a fresh unreferenced file stays until it is an hour old');

    // Everything a row names stays, and `current` was left alone.
    assert.ok(fs.existsSync(at(originalRel(stale.sha256))));
    assert.ok(fs.existsSync(at(originalRel(current.sha256))));
    assert.deepEqual(
      thumbs(current.sha256, THUMBS_VERSION).map((rel) => fs.statSync(at(rel)).mtimeMs),
      currentMtimes,
    );
    assert.equal((await mediaRow(ctx, current.id)).thumbs_version, THUMBS_VERSION);
  });

  it('has nothing to do on a second run', async () => {
    const r = await manage(['housekeeping'], { DATABASE_URL: db.url, MEDIA_ROOT: mediaRoot });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['thumbnails remade: 0', 'unreferenced files deleted: 0 (0.0 MB)']);
  });
});
