// Image pipeline: 20 JPEGs of 4000×3000 (generated) through the whole
// pipeline — upload over HTTP → media row + images.process job → the images
// worker (concurrency = jobs.imagesConcurrency, 2) → 160/640/1600 px in WebP
// and JPEG — side by side in one run with a bare sharp loop making the same
// six outputs with the same recipe (two at a time), and ImageMagick
// `convert` with its fastest flags (-define jpeg:size, -thumbnail, one
// decode writing all six outputs; two at a time).
//
//   CI=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
//     npx tsx test/bench/images-pipeline.bench.ts
//
// Peak memory: RSS of this process, sampled every 20 ms while the pipeline
// runs (web server and images worker share this process here: an upper
// bound for the worker alone).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import pg from 'pg';
import sharp from 'sharp';
import { createMigrator } from '#app/db/migrate';
import { makePurchase } from '#test/support/cards';
import { makeSessionUser, mediaApp, settled, signedIn, upload } from '#test/support/media';
import { AMQP_URL } from '#test/support/queue';

/** What test/run.ts provides (a migrated template database), for a bench run by itself. */
async function templateDatabase(): Promise<() => Promise<void>> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = '/postgres';
  const template = `orbis_tpl_${process.pid}_bench`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`create database "${template}"`);
  const url = new URL(base);
  url.pathname = `/${template}`;
  const migrator = await createMigrator({ url: url.toString(), schema: 'public' });
  await migrator.upgrade();
  await migrator.close();
  Object.assign(process.env, { ORBIS_TEST_ADMIN_URL: base.toString(), ORBIS_TEST_TEMPLATE: template, ORBIS_TEST_RUNNER_PID: String(process.pid) });
  return async () => {
    await admin.query(`drop database if exists "${template}" with (force)`);
    await admin.end();
  };
}

const N = Number(process.env.BENCH_IMAGES ?? 20);
const PARALLEL = 2;
const run = promisify(execFile);

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>) {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

it('image pipeline vs bare sharp vs ImageMagick', { timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-bench-img-'));
  const files: string[] = [];
  const noise = await sharp({ create: { width: 800, height: 600, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } } } as never).png().toBuffer();
  for (let i = 0; i < N; i++) {
    const f = path.join(dir, `photo-${i}.jpg`);
    await sharp(noise).modulate({ hue: i * 17 }).resize(4000, 3000, { kernel: 'cubic' }).jpeg({ quality: 90 }).toFile(f);
    files.push(f);
  }
  const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  console.log(`# ${N} JPEGs 4000×3000, ${(bytes / N / 1024 / 1024).toFixed(1)} MB each; ${os.cpus().length} cores; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  // 1. bare sharp, the same recipe as app/services/images.ts (written out here on purpose).
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  let t0 = performance.now();
  await pool(files, PARALLEL, async (f) => {
    const base = await sharp(f, { sequentialRead: true }).rotate().resize({ width: 1600, withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
    const raw = { width: base.info.width, height: base.info.height, channels: base.info.channels };
    for (const w of [1600, 640, 160]) {
      await sharp(base.data, { raw }).resize({ width: w }).webp({ quality: 80 }).toFile(path.join(out, `${path.basename(f)}-${w}.webp`));
      await sharp(base.data, { raw }).resize({ width: w }).jpeg({ quality: 82 }).toFile(path.join(out, `${path.basename(f)}-${w}.jpg`));
    }
  });
  const bare = N / ((performance.now() - t0) / 1000);

  // 2. ImageMagick convert, fastest flags: decode at reduced size, -thumbnail, one decode for all six outputs.
  t0 = performance.now();
  await pool(files, PARALLEL, async (f) => {
    const o = path.join(out, `im-${path.basename(f)}`);
    await run('convert', ['-define', 'jpeg:size=3200x2400', f, '-auto-orient', '-thumbnail', '1600x', '-quality', '82', '-write', `${o}-1600.jpg`, '-write', `${o}-1600.webp`, '-thumbnail', '640x', '-write', `${o}-640.jpg`, '-write', `${o}-640.webp`, '-thumbnail', '160x', '-write', `${o}-160.jpg`, `${o}-160.webp`]);
  });
  const magick = N / ((performance.now() - t0) / 1000);

  // 3. Orbis: upload over HTTP, the worker on the real queue.
  const dropTemplate = await templateDatabase();
  after(dropTemplate);
  const app = await mediaApp(AMQP_URL ? 'amqp' : 'local');
  const owner = await makeSessionUser(app.ctx, 'bench@example.com', ['operator']);
  const cardPath = `/cards/purchase_request/${(await makePurchase(app.ctx, owner)).id}`;
  const c = await signedIn(app, 'bench@example.com');
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  t0 = performance.now();
  const ids: number[] = [];
  for (const f of files) {
    const r = await upload(c, cardPath, [{ name: path.basename(f), data: fs.readFileSync(f) }]);
    if (r.status !== 201) throw new Error(`upload: ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(r.body.media![0].id);
  }
  const uploaded = performance.now() - t0;
  for (const id of ids) {
    const m = await settled(app.ctx, id, 300_000);
    if (m.state !== 'ready') throw new Error(`media ${id}: ${m.error}`);
  }
  const orbis = N / ((performance.now() - t0) / 1000);
  clearInterval(sampler);
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(`| method | images/s | vs bare sharp |`);
  console.log(`|---|---|---|`);
  console.log(`| Orbis: HTTP upload → job (${AMQP_URL ? 'RabbitMQ' : 'local transport'}) → worker, 6 outputs | ${orbis.toFixed(2)} | ${((orbis / bare) * 100).toFixed(0)}% |`);
  console.log(`| bare sharp loop, same recipe, 2 at a time | ${bare.toFixed(2)} | 100% |`);
  console.log(`| ImageMagick convert -define jpeg:size -thumbnail, 2 at a time | ${magick.toFixed(2)} | ${((magick / bare) * 100).toFixed(0)}% |`);
  console.log(`# Orbis / ImageMagick: ${(orbis / magick).toFixed(1)}×; uploads took ${(uploaded / 1000).toFixed(2)} s of the run; peak RSS (web + worker, one process) ${Math.round(peak / 1024 / 1024)} MB`);
});
