// nginx (Debian) in front of the web started by pm2 from the shipped
// deploy/pm2/ecosystem.config.cjs (the web in cluster mode, the images worker
// as a plain process), pm2's state in a temp PM2_HOME. Through nginx: sign
// in, upload a PNG, get its thumbnail via X-Accel-Redirect. `pm2 kill` then
// leaves no process of the test behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { ROOT } from '#test/support/cli';
import { alive, has, NGINX, nginxConfig, startNginx, stopChild, uploadAndAwait, waitFor } from '#test/support/deploy';
import { awaitHealthy, deployment, descendants } from '#test/support/deploy-run';
import { AMQP_URL } from '#test/support/queue';
import { needs } from '#test/support/servers';

const PM2 = path.join(ROOT, 'node_modules', '.bin', 'pm2');
const ECOSYSTEM = path.join(ROOT, 'deploy', 'pm2', 'ecosystem.config.cjs');

test('pm2: the web in cluster mode behind nginx — sign in, upload, thumbnail, pm2 kill leaves nothing', async (t) => {
  if (!needs(t, has(NGINX) && has(PM2) && Boolean(AMQP_URL), 'nginx (Debian package), pm2 (npm ci) and RabbitMQ (AMQP_URL)')) return;
  const { dir, media, webPort, nginxPort, base, cardPath, envFile, tail } = await deployment('pm2', { ORBIS_WEB_INSTANCES: '1' });
  const pm2Env = { ...process.env, PM2_HOME: path.join(dir, 'home'), ORBIS_ENV_FILE: envFile };
  const pm2 = (...args: string[]) => spawnSync(PM2, args, { cwd: ROOT, env: pm2Env, encoding: 'utf8', timeout: 90_000 });
  const daemonPid = () => Number(fs.readFileSync(path.join(dir, 'home', 'pm2.pid'), 'utf8'));
  // Whatever happens, the daemon and its apps go (pm2 kill is the documented way; SIGKILL the rest).
  onCleanup(() => {
    if (!fs.existsSync(path.join(dir, 'home', 'pm2.pid'))) return;
    pm2('kill');
    for (const p of [daemonPid(), ...descendants(daemonPid())]) if (alive(p)) process.kill(p, 'SIGKILL');
  });

  const nginx = await startNginx(nginxConfig({ dir, listenPort: nginxPort, upstreamPort: webPort, mediaRoot: media }));
  const started = pm2('start', ECOSYSTEM, '--only', 'orbis-web,orbis-worker-images');
  assert.equal(started.status, 0, started.stdout + started.stderr);
  const log = () => tail('web.log', 'worker-images.log');
  await awaitHealthy(base, log);
  const list = JSON.parse(pm2('jlist').stdout) as Array<{ name: string; pid: number; pm2_env: { status: string; exec_mode: string } }>;
  assert.deepEqual(list.map((a) => [a.name, a.pm2_env.exec_mode, a.pm2_env.status]).sort(), [
    ['orbis-web', 'cluster_mode', 'online'],
    ['orbis-worker-images', 'fork_mode', 'online'],
  ]);

  const c = new TestClient(base);
  const login = await c.login('root@example.com', 'correct horse battery');
  assert.equal(login.status, 303, login.text);
  assert.equal((await c.get(cardPath)).status, 200);
  const png = await sharp({ create: { width: 200, height: 120, channels: 3, background: '#cc6633' } })
    .png()
    .toBuffer();
  const item = await uploadAndAwait(c, cardPath, png, log);
  assert.equal(item.state, 'ready', item.error ?? '');
  const thumb = await fetch(base + item.thumb!, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/webp');
  assert.equal(thumb.headers.get('content-security-policy'), "default-src 'none'; sandbox", 'sent from the internal /lib/media/ location');
  const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
  assert.deepEqual([meta.format, meta.width], ['webp', 200]);

  // pm2 kill: the apps get SIGINT (the web turns it into its graceful SIGTERM), then the daemon exits.
  const pids = [daemonPid(), ...descendants(daemonPid()), ...descendants(nginx.pid!)];
  for (const a of list) assert.ok(pids.includes(a.pid), `${a.name} (pid ${a.pid}) is under the pm2 daemon`);
  const killed = pm2('kill');
  assert.equal(killed.status, 0, killed.stdout + killed.stderr);
  await stopChild(nginx, 'SIGQUIT');
  await waitFor(async () => pids.every((p) => !alive(p)), 15_000, `pids gone: ${pids.filter(alive)}`);
  assert.ok(!alive(nginx.pid!));
});
