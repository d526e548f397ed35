// The recognition worker as a process of its own, as on another machine
// (docs/scaling.md): `./manage.ts worker --queues recognition` sharing only
// RabbitMQ, PostgreSQL and the media folder — mounted at another path there,
// given by its own MEDIA_ROOT — finds the faces of a photo uploaded to the
// web. And a worker killed (SIGKILL) in the middle of a photo: the job runs
// again on another worker and the faces are stored once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { TestClient } from '#test/support/app';
import { makePurchase } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { ROOT } from '#test/support/cli';
import { SAMPLES } from '#test/support/faces';
import { makeSessionUser, mediaApp, signedIn, upload, type MediaApp } from '#test/support/media';
import { AMQP_URL, eventually, uniquePrefix } from '#test/support/queue';
import { needs } from '#test/support/servers';
import { kill9, spawnWorker } from '#test/support/worker-spawn';

describe('recognition workers in processes of their own (RabbitMQ)', () => {
  let app: MediaApp;
  let olga: TestClient;
  let cardPath: string;
  let env: Record<string, string>;

  before(async () => {
    if (!AMQP_URL) return;
    const prefix = uniquePrefix();
    app = await mediaApp('amqp', { prefix });
    const owner = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    cardPath = `/cards/purchase_request/${(await makePurchase(app.ctx, owner)).id}`;
    olga = await signedIn(app, 'olga@example.com');
    // The other machine mounts the shared media folder elsewhere.
    const mount = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-other-machine-')), 'mnt', 'orbis-media');
    fs.mkdirSync(path.dirname(mount), { recursive: true });
    fs.symlinkSync(app.mediaRoot, mount);
    onCleanup(() => fs.rmSync(path.dirname(path.dirname(mount)), { recursive: true, force: true }));
    env = {
      DATABASE_URL: app.ctx.settings.database.url!,
      DATABASE_SCHEMA: app.ctx.settings.database.schema,
      AMQP_URL,
      ORBIS_QUEUE_PREFIX: prefix,
      MEDIA_ROOT: mount,
      LOG_LEVEL: 'warn',
    };
  });

  async function uploadSample(name: string): Promise<number> {
    const r = await upload(olga, cardPath, [{ name, data: await sharp(path.join(SAMPLES, name)).toBuffer() }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.media![0].id;
  }

  const facesState = (mediaId: number) =>
    app.ctx.db
      .rows<{ state: string; faces: number }>('select state, faces from media_faces where media_id = $1', [mediaId])
      .then((r) => r[0]);

  it('runs `./manage.ts worker --queues recognition` with its own MEDIA_ROOT and stores the faces', async (t) => {
    if (!needs(t, Boolean(AMQP_URL), 'RabbitMQ (AMQP_URL)')) return;
    const child = spawn(path.join(ROOT, 'manage.ts'), ['worker', '--queues', 'recognition'], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    onCleanup(() => kill9(child));
    await eventually(async () => output.includes('consuming recognition'), 30_000, 'the worker consuming').catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    const id = await uploadSample('sample2.jpg');
    const done = await eventually(
      async () => ((await facesState(id))?.state === 'done' ? facesState(id) : null),
      90_000,
      'the faces',
    ).catch(async (err: Error) => {
      const jobs = await app.ctx.db.rows('select id, kind, queue, state, error, published_at, depends_on from jobs order by id');
      throw new Error(`${err.message}\n${output}\n${JSON.stringify(jobs)}`);
    });
    assert.equal(done.faces, 3);
    const [worker] = await app.ctx.db.rows<{ id: string; loaded_at: Date | null }>(
      'select id, loaded_at from recognition_workers where id like $1',
      [`%:${child.pid}`],
    );
    assert.ok(worker?.loaded_at, 'the separate process loaded the models and said so');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    assert.equal(
      (await app.ctx.db.rows('select 1 from recognition_workers where id like $1', [`%:${child.pid}`])).length,
      0,
      'a stopped worker is no longer counted',
    );
  });

  it('runs the job again after a worker is killed mid-job, and stores the faces once', async (t) => {
    if (!needs(t, Boolean(AMQP_URL), 'RabbitMQ (AMQP_URL)')) return;
    const first = await spawnWorker({ ...env, WORKER_QUEUES: 'recognition' });
    const id = await uploadSample('sample6.jpg');
    await eventually(async () => (await facesState(id))?.state === 'running', 60_000, 'the job running', 20);
    await kill9(first);
    assert.equal((await facesState(id)).state, 'running', 'killed before it stored anything');
    await spawnWorker({ ...env, WORKER_QUEUES: 'recognition' });
    await eventually(async () => (await facesState(id))?.state === 'done', 90_000, 'the faces after the re-run');
    const [{ n }] = await app.ctx.db.rows<{ n: number }>('select count(*)::int as n from faces where media_id = $1', [id]);
    assert.equal(n, 4);
    const [job] = await app.ctx.db.rows<{ attempts: number; state: string }>(
      "select attempts, state from jobs where kind = 'images.faces' and payload->>'mediaId' = $1",
      [String(id)],
    );
    // At least the killed attempt and the one that stored (a loaded machine may starve a heartbeat of the tests' 3 s once more).
    assert.equal(job.state, 'done');
    assert.ok(job.attempts >= 2, `attempts ${job.attempts}`);
  });
});
