// Image pipeline: 20 JPEGs of 4000×3000 (generated) through the whole
// pipeline — upload over HTTP (curl, after one view of the card page) →
// media row + images.process job → the images
// worker (its own process, concurrency = jobs.imagesConcurrency, 2) →
// 160/640/1600 px in WebP and JPEG — side by side in one run with a bare
// sharp loop making the same six outputs with the same recipe (two at a
// time), and ImageMagick `convert` with its fastest flags for the same
// outputs (-define jpeg:size=1600x1200 before the input so libjpeg decodes
// at 1/2 scale, -thumbnail, one decode writing all six outputs, the same
// qualities and WebP effort; two at a time).
//
//   CI=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
//     npx tsx test/bench/images-pipeline.bench.ts        (BENCH_ROUNDS=3, BENCH_IMAGES=20)
//
// Peak memory: the worker process's VmHWM (peak RSS over its whole life,
// from /proc/<pid>/status) read after the last image is ready; the issue's
// budget for the worker is 512 MB.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import sharp from 'sharp';
import { JPEG_QUALITY, WEBP_EFFORT, WEBP_QUALITY } from '#app/services/images';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { testContext, TestClient } from '#test/support/app';
import { makePurchase } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { makeSessionUser, settled, signedIn, uploadToken, type MediaApp } from '#test/support/media';
import { AMQP_URL, testTransport, uniquePrefix } from '#test/support/queue';

/** What test/run.ts provides (a migrated template database), for a bench run by itself. */
async function templateDatabase(): Promise<() => Promise<void>> {
  const template = `orbis_tpl_${process.pid}_bench`;
  await createBenchDatabase(template);
  Object.assign(process.env, {
    ORBIS_TEST_ADMIN_URL: benchDbUrl('postgres'),
    ORBIS_TEST_TEMPLATE: template,
    ORBIS_TEST_RUNNER_PID: String(process.pid),
  });
  return () => dropBenchDatabase(template);
}

const quick = process.env.BENCH_QUICK === '1'; // a smoke run: short, small, numbers not to quote
const N = Number(process.env.BENCH_IMAGES ?? (quick ? 4 : 20));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const PARALLEL = 2;
const run = promisify(execFile);

/** Peak and current RSS of a process, in MB, from /proc/<pid>/status. */
function procMemory(pid: number): { peak: number; now: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
}

/** The images worker in its own process (test/bench/images-worker-process.ts), once it consumes. */
async function spawnImagesWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'images-worker-process.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code, signal) => reject(new Error(`the images worker exited early (${code ?? signal})`)));
    setTimeout(() => reject(new Error('the images worker did not get ready within 30 s')), 30_000).unref();
  });
  child.stdout!.resume();
  return child;
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

/** `jpeg` with a COM segment after SOI: the same pixels and decode cost, new bytes (so a round's uploads are not deduplicated). */
function tagged(jpeg: Buffer, tag: string): Buffer {
  const text = Buffer.from(tag);
  const com = Buffer.alloc(4 + text.length);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(2 + text.length, 2);
  text.copy(com, 4);
  return Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2)]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

it('image pipeline vs bare sharp vs ImageMagick', { timeout: 900_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-bench-img-'));
  const photos: Buffer[] = [];
  const noise = await sharp({
    create: { width: 800, height: 600, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  } as never)
    .png()
    .toBuffer();
  for (let i = 0; i < N; i++)
    photos.push(
      await sharp(noise)
        .modulate({ hue: i * 17 })
        .resize(4000, 3000, { kernel: 'cubic' })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  const bytes = photos.reduce((s, b) => s + b.length, 0);
  console.log(
    `# ${N} JPEGs 4000×3000, ${(bytes / N / 1024 / 1024).toFixed(1)} MB each; ${ROUNDS} rounds; ${os.cpus().length} cores; load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);

  // 1. bare sharp, the same recipe as app/services/images.ts (written out here on purpose).
  const bareImageMs: number[] = [];
  async function bareSharp(files: string[]) {
    await pool(files, PARALLEL, async (f) => {
      const started = performance.now();
      const base = await sharp(f, { sequentialRead: true })
        .rotate()
        .resize({ width: 1600, withoutEnlargement: true })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const raw = { width: base.info.width, height: base.info.height, channels: base.info.channels };
      for (const w of [1600, 640, 160]) {
        await sharp(base.data, { raw })
          .resize({ width: w })
          .webp({ quality: WEBP_QUALITY, effort: WEBP_EFFORT })
          .toFile(path.join(out, `${path.basename(f)}-${w}.webp`));
        await sharp(base.data, { raw })
          .resize({ width: w })
          .jpeg({ quality: JPEG_QUALITY })
          .toFile(path.join(out, `${path.basename(f)}-${w}.jpg`));
      }
      bareImageMs.push(performance.now() - started);
    });
  }

  // 2. ImageMagick convert, fastest flags for the same outputs: the size hint
  // before the input (libjpeg decodes at the smallest 1/n scale ≥ 1600×1200,
  // as sharp's shrink-on-load does), -thumbnail, one decode for all six
  // outputs, each smaller width from the previous one, the same qualities
  // and WebP effort (webp:method) as the recipe.
  const jpg = ['-quality', String(JPEG_QUALITY)];
  const webp = ['-quality', String(WEBP_QUALITY)];
  async function magick(files: string[]) {
    await pool(files, PARALLEL, async (f) => {
      const o = path.join(out, `im-${path.basename(f)}`);
      await run('convert', [
        '-define',
        'jpeg:size=1600x1200',
        f,
        '-auto-orient',
        '-define',
        `webp:method=${WEBP_EFFORT}`,
        '-thumbnail',
        '1600x',
        ...jpg,
        '-write',
        `${o}-1600.jpg`,
        ...webp,
        '-write',
        `${o}-1600.webp`,
        '-thumbnail',
        '640x',
        ...jpg,
        '-write',
        `${o}-640.jpg`,
        ...webp,
        '-write',
        `${o}-640.webp`,
        '-thumbnail',
        '160x',
        ...jpg,
        '-write',
        `${o}-160.jpg`,
        ...webp,
        `${o}-160.webp`,
      ]);
    });
  }

  // 3. Orbis: upload over HTTP, the worker on the real queue. The web side in
  // this process; the images worker in its own, on the same database, broker
  // prefix and MEDIA_ROOT (so its memory is its own).
  if (!AMQP_URL) throw new Error('the benchmark needs RabbitMQ (AMQP_URL): the worker runs in another process');
  const dropTemplate = await templateDatabase();
  after(dropTemplate);
  const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-bench-media-'));
  onCleanup(() => fs.rmSync(mediaRoot, { recursive: true, force: true }));
  const prefix = uniquePrefix();
  const transport = await testTransport('amqp', { prefix });
  const { ctx, db } = await testContext({ MEDIA_ROOT: mediaRoot }, {}, undefined, { transport });
  const server = await listen(createApp(ctx), '127.0.0.1', 0);
  onCleanup(() => server.close(1000));
  const app: MediaApp = { ctx, url: server.url, mediaRoot, client: () => new TestClient(server.url) };
  const worker = await spawnImagesWorker({ DATABASE_URL: db.url, AMQP_URL, ORBIS_QUEUE_PREFIX: prefix, MEDIA_ROOT: mediaRoot });
  const idle = procMemory(worker.pid!);
  const owner = await makeSessionUser(app.ctx, 'bench@example.com', ['operator']);
  const cardPath = `/cards/purchase_request/${(await makePurchase(app.ctx, owner)).id}`;
  const c = await signedIn(app, 'bench@example.com');
  const uploads: number[] = [];
  async function orbis(files: string[]) {
    const t0 = performance.now();
    const ids: number[] = [];
    // One view of the card page, then the files one by one, as an operator
    // dropping 20 photos on it (the page's script reuses the page's token).
    // The uploader is curl, one process for the 20 requests: a browser does
    // its multipart encoding on another machine, and doing it in JavaScript
    // here took ≈ 0.5 s of a round's CPU from the cores the worker needs.
    const token = await uploadToken(c, cardPath);
    const args = files.flatMap((f, i) => [
      ...(i ? ['--next'] : []),
      '-s',
      '-H',
      `cookie: ${c.cookieHeader()}`,
      '-H',
      `x-csrf-token: ${token}`,
      '-H',
      'accept: application/json',
      '-F',
      `files=@${f};type=image/jpeg`,
      '-w',
      '\n%{http_code}\n',
      `${app.url}${cardPath}/attachments`,
    ]);
    const cpu = process.cpuUsage();
    const { stdout } = await run('curl', args, { maxBuffer: 16 * 1024 * 1024 });
    const uploadCpu = process.cpuUsage(cpu);
    const uploadedAt = Date.now();
    const lines = stdout.trim().split('\n');
    for (let i = 0; i < lines.length; i += 2) {
      const body = JSON.parse(lines[i]) as { media?: { id: number }[]; error?: string };
      if (lines[i + 1] !== '201') throw new Error(`upload: ${lines[i + 1]} ${lines[i]}`);
      ids.push(body.media![0].id);
    }
    if (ids.length !== files.length) throw new Error(`uploaded ${ids.length} of ${files.length}`);
    uploads.push(performance.now() - t0);
    for (const id of ids) {
      const m = await settled(app.ctx, id, 300_000);
      if (m.state !== 'ready') throw new Error(`media ${id}: ${m.error}`);
    }
    // Where an Orbis round's time goes: each job's render + write time
    // (its result), for jobs started while the uploads still ran (sharing
    // the cores with the web side) and after; the web side's CPU for them.
    const jobs = await app.ctx.db.rows<{ during: boolean; ms: number }>(
      `select started_at < to_timestamp($2::float8 / 1000) as during, (result->>'ms')::int as ms
         from jobs where kind = 'images.process' and (payload->>'mediaId')::bigint = any($1::bigint[])`,
      [ids, uploadedAt],
    );
    const avg = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);
    const during = jobs.filter((j) => j.during).map((j) => j.ms);
    const later = jobs.filter((j) => !j.during).map((j) => j.ms);
    console.log(
      `# Orbis: jobs started during the uploads ${avg(during)} ms each (${during.length}), after them ${avg(later)} ms (${later.length}); ` +
        `the uploads took ${Math.round((uploadCpu.user + uploadCpu.system) / 1000)} ms of CPU in this process (the web side)`,
    );
  }

  // Rounds, the order rotated each round, each round on fresh bytes: the box
  // is shared, so one sequential pass per method measures the neighbours'
  // load as much as the method. Medians of the per-round rates and ratios.
  const methods = { orbis, bare: bareSharp, magick } as const;
  const rates: Record<keyof typeof methods, number[]> = { orbis: [], bare: [], magick: [] };
  const names = Object.keys(methods) as Array<keyof typeof methods>;
  for (let round = 0; round < ROUNDS; round++) {
    const files = photos.map((b, i) => {
      const f = path.join(dir, `r${round}-photo-${i}.jpg`);
      fs.writeFileSync(f, tagged(b, `bench round ${round}`));
      return f;
    });
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const t0 = performance.now();
      await methods[name](files);
      rates[name].push(N / ((performance.now() - t0) / 1000));
    }
    console.log(
      `# round ${round + 1}: Orbis ${rates.orbis[round].toFixed(2)}, bare sharp ${rates.bare[round].toFixed(2)}, ImageMagick ${rates.magick[round].toFixed(2)} images/s; load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  }
  const workerMemory = procMemory(worker.pid!);
  const exited = new Promise((r) => worker.once('exit', r));
  worker.kill('SIGTERM');
  await exited;
  fs.rmSync(dir, { recursive: true, force: true });

  const [o, b, m] = [median(rates.orbis), median(rates.bare), median(rates.magick)];
  const vsBare = median(rates.orbis.map((x, i) => x / rates.bare[i]));
  const vsMagick = median(rates.orbis.map((x, i) => x / rates.magick[i]));
  console.log(`| method | images/s (median of ${ROUNDS}) | vs bare sharp |`);
  console.log(`|---|---|---|`);
  console.log(
    `| Orbis: HTTP upload → job (RabbitMQ) → images worker process, 6 outputs | ${o.toFixed(2)} | ${(vsBare * 100).toFixed(1)}% |`,
  );
  console.log(`| bare sharp loop, same recipe, 2 at a time | ${b.toFixed(2)} | 100% |`);
  console.log(
    `| ImageMagick convert -define jpeg:size=1600x1200 -thumbnail, one decode, 2 at a time | ${m.toFixed(2)} | ${(median(rates.magick.map((x, i) => x / rates.bare[i])) * 100).toFixed(0)}% |`,
  );
  console.log(
    `# Orbis / ImageMagick: ${vsMagick.toFixed(2)}× (median of per-round ratios); uploads took ${(median(uploads) / 1000).toFixed(2)} s of an Orbis round; load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `# bare sharp: ${Math.round(bareImageMs.reduce((a, b) => a + b, 0) / bareImageMs.length)} ms per image (two at a time), all rounds`,
  );
  console.log(
    `# images worker process: peak RSS (VmHWM) ${Math.round(workerMemory.peak)} MB (${workerMemory.peak < 512 ? 'under' : 'OVER'} the 512 MB budget); ${Math.round(idle.now)} MB when ready, ${Math.round(workerMemory.now)} MB at the end`,
  );
});
