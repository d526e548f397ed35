// nginx (Debian) in front of `serve`, both run from the shipped files under
// deploy/, `serve`, the images and recognition workers and the beat started by supervisord.
// Through nginx: sign in, upload a PNG, get its thumbnail — Orbis answers
// with X-Accel-Redirect and nginx sends the file from the internal
// /lib/media/ location — while /lib/media/… asked for directly is a 404.
// Then everything stops cleanly: no process of the test is left.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { thumbRel } from '#app/services/media-files';
import { TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { ROOT } from '#test/support/cli';
import {
  alive,
  has,
  NGINX,
  nginxConfig,
  startNginx,
  stopChild,
  SUPERVISORCTL,
  SUPERVISORD,
  uploadAndAwait,
  waitFor,
} from '#test/support/deploy';
import { awaitHealthy, deployment, descendants } from '#test/support/deploy-run';
import { mediaRow } from '#test/support/media';
import { AMQP_URL } from '#test/support/queue';
import { needs } from '#test/support/servers';

const PROGRAMS = ['orbis-web', 'orbis-worker-images', 'orbis-worker-recognition', 'orbis-beat'];

/**
 * supervisord.conf around the shipped program file: the checkout, env file and
 * log paths substituted, `user=orbis` dropped (no such account here), only
 * PROGRAMS kept, and serve run with one web process (CPU of a 2-core CI box).
 */
function supervisorConfig(dir: string, envFile: string): string {
  const shipped = fs.readFileSync(path.join(ROOT, 'deploy', 'supervisor', 'orbis.conf'), 'utf8');
  for (const p of ['/srv/orbis/', '/etc/orbis/orbis.env', '/var/log/orbis/', "manage.ts serve'"]) {
    if (!shipped.includes(p)) throw new Error(`deploy/supervisor/orbis.conf no longer holds ${p}: update this test`);
  }
  const sections = shipped
    .replaceAll('/srv/orbis/', `${ROOT}/`)
    .replaceAll('directory=/srv/orbis', `directory=${ROOT}`)
    .replaceAll('/etc/orbis/orbis.env', envFile)
    .replaceAll('/var/log/orbis/', `${dir}/`)
    .replaceAll("manage.ts serve'", "manage.ts serve --workers 1'")
    .replace(/^numprocs=\d+$/gm, 'numprocs=1')
    .replace(/^user=orbis\n/gm, '')
    .split(/^(?=\[)/m)
    .filter((s) => s.startsWith('[program:') && PROGRAMS.some((p) => s.startsWith(`[program:${p}]`)));
  assert.equal(sections.length, PROGRAMS.length, 'each program kept from the shipped file');
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(
    conf,
    [
      '[supervisord]',
      `logfile=${dir}/supervisord.log`,
      `pidfile=${dir}/supervisord.pid`,
      `childlogdir=${dir}`,
      'nodaemon=true',
      '[unix_http_server]',
      `file=${dir}/supervisor.sock`,
      '[rpcinterface:supervisor]',
      'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      '[supervisorctl]',
      `serverurl=unix://${dir}/supervisor.sock`,
      `[group:orbis]`,
      `programs=${PROGRAMS.join(',')}`,
      ...sections,
      '',
    ].join('\n'),
  );
  return conf;
}

function ctl(conf: string, ...args: string[]) {
  return spawnSync(SUPERVISORCTL, ['-c', conf, ...args], { encoding: 'utf8', timeout: 90_000 });
}

test('nginx + supervisord: sign in, upload, thumbnail via X-Accel-Redirect, /lib/media/ not public, clean stop', async (t) => {
  if (
    !needs(
      t,
      has(NGINX) && has(SUPERVISORD) && has(SUPERVISORCTL) && Boolean(AMQP_URL),
      'nginx, supervisor (Debian packages) and RabbitMQ (AMQP_URL)',
    )
  )
    return;
  const { ctx, dir, media, webPort, nginxPort, base, cardPath, envFile, tail } = await deployment('supervisor');
  const conf = supervisorConfig(dir, envFile);

  const nginx = await startNginx(nginxConfig({ dir, listenPort: nginxPort, upstreamPort: webPort, mediaRoot: media }));
  const supervisord = spawn(SUPERVISORD, ['-n', '-c', conf], { stdio: 'ignore' });
  onCleanup(() => stopChild(supervisord, 'SIGTERM', 60_000));
  const log = () => tail('supervisord.log', 'web.log', 'worker-images.log', 'worker-recognition-0.log');

  // Healthy through nginx: supervisord started serve, nginx proxies to it.
  await awaitHealthy(base, log);
  // RUNNING once each program stayed up startsecs (5 s): serve may answer before that.
  await waitFor(
    async () => {
      const out = ctl(conf, 'status').stdout;
      return PROGRAMS.every((p) => new RegExp(`orbis:${p}(-\\d+)?\\s+RUNNING`).test(out));
    },
    20_000,
    'every program RUNNING',
  ).catch((err) => {
    throw new Error(`${(err as Error).message}\n${ctl(conf, 'status').stdout}\n${log()}`);
  });

  const c = new TestClient(base);
  const login = await c.login('root@example.com', 'correct horse battery');
  assert.equal(login.status, 303, login.text);
  const page = await c.get(cardPath);
  assert.equal(page.status, 200);

  const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  // The page's poll, through nginx, until the images worker under supervisord is done.
  const item = await uploadAndAwait(c, cardPath, png, log);
  const id = item.id;
  assert.equal(item.state, 'ready', item.error ?? log());
  assert.ok(item.thumb?.startsWith(`/media/${id}/640.webp`), item.thumb ?? '');

  // The recognition worker under supervisord: the photo's faces are done (a plain blue picture has none).
  const faces = await waitFor(
    async () => {
      const r = JSON.parse((await c.get(`/media/${id}/faces`)).text) as { state: string; faces: unknown[]; error?: string };
      return r.state === 'done' || r.state === 'failed' ? r : null;
    },
    60_000,
    'the faces',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${log()}`);
  });
  assert.deepEqual([faces.state, faces.faces.length], ['done', 0], faces.error ?? log());

  const thumb = await c.get(item.thumb!);
  assert.equal(thumb.status, 200, thumb.text.slice(0, 300));
  assert.equal(thumb.headers.get('content-type'), 'image/webp');
  // The file came from the internal location (its CSP), not through Node; the redirect header never reaches the client.
  assert.equal(thumb.headers.get('content-security-policy'), "default-src 'none'; sandbox");
  assert.equal(thumb.headers.get('x-accel-redirect'), null);
  const bytes = Buffer.from(
    await (await fetch(base + item.thumb!, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })).arrayBuffer(),
  );
  const meta = await sharp(bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 320, 200]);

  // The same file asked for directly: it exists on disk, yet nginx refuses it.
  const row = await mediaRow(ctx, id);
  const rel = thumbRel(row.sha256, row.thumbs_version!, 640, 'webp');
  assert.ok(fs.existsSync(path.join(media, rel)));
  const direct = await fetch(`${base}/lib/media/${rel}`);
  assert.equal(direct.status, 404);
  // And without a session Orbis sends no redirect to the file, only to the login page.
  const anonymous = await new TestClient(base).get(`/media/${id}/640.webp`);
  assert.equal(anonymous.status, 303);
  assert.match(anonymous.location ?? '', /\/login/);

  // Stop: every program, then supervisord, then nginx. Nothing may be left.
  const pids = [supervisord.pid!, ...descendants(supervisord.pid!), nginx.pid!, ...descendants(nginx.pid!)];
  assert.ok(pids.length >= 2 + PROGRAMS.length + 1, `supervisord, its programs (serve forks one web process) and nginx workers: ${pids}`);
  const stopped = ctl(conf, 'stop', 'all');
  assert.equal(stopped.status, 0, stopped.stdout + stopped.stderr);
  for (const p of PROGRAMS) assert.match(stopped.stdout, new RegExp(`${p}(-\\d+)?: stopped`), stopped.stdout);
  const shut = ctl(conf, 'shutdown');
  assert.equal(shut.status, 0, shut.stdout + shut.stderr);
  await waitFor(async () => supervisord.exitCode !== null || supervisord.signalCode !== null, 20_000, 'supervisord to exit');
  await stopChild(nginx, 'SIGQUIT');
  await waitFor(async () => pids.every((p) => !alive(p)), 10_000, `pids gone: ${pids.filter(alive)}`);
});
