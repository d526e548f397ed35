// Deployment tests: the shipped files under deploy/ turned into runnable
// configurations in a temp dir (paths substituted, nothing else changed),
// free ports, and child processes whose pids are checked gone at the end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { upload } from '#test/support/media';
import { eventually } from '#test/support/queue';
import { ROOT } from '#test/support/cli';

export const NGINX = '/usr/sbin/nginx';
export const SUPERVISORD = '/usr/bin/supervisord';
export const SUPERVISORCTL = '/usr/bin/supervisorctl';

export function has(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `orbis-${prefix}-`));
  // nginx workers run as nobody when the master is root: they must read media and static files.
  fs.chmodSync(dir, 0o755);
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Whether a process with this pid exists (zombies of our own children count as gone once reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface NginxOptions {
  dir: string;
  listenPort: number;
  upstreamPort: number;
  mediaRoot: string;
  root?: string;
  /** Replaces the shipped client_max_body_size (e.g. '2m'), to test the limit with small files. */
  maxBodySize?: string;
}

/**
 * A complete nginx.conf around the shipped site file: only the checkout path,
 * MEDIA_ROOT, ports, log paths (and, when asked, the upload limit) are replaced; pid, temp and logs stay in `dir`.
 */
export function nginxConfig(o: NginxOptions): string {
  const site = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx', 'orbis.conf'), 'utf8');
  const replaced = site
    .replaceAll('/srv/orbis/', `${o.root ?? ROOT}/`)
    .replaceAll('/var/lib/orbis/media/', `${o.mediaRoot.replace(/\/$/, '')}/`)
    .replaceAll('server 127.0.0.1:5000;', `server 127.0.0.1:${o.upstreamPort};`)
    .replaceAll('listen 80;', `listen 127.0.0.1:${o.listenPort};`)
    .replaceAll('/var/log/nginx/', `${o.dir}/`)
    .replaceAll('client_max_body_size 50m;', `client_max_body_size ${o.maxBodySize ?? '50m'};`);
  for (const [shipped, what] of [
    ['client_max_body_size 50m;', 'upload limit'],
    ['/srv/orbis/', 'checkout'],
    ['/var/lib/orbis/media/', 'media'],
    ['127.0.0.1:5000', 'upstream'],
    ['listen 80;', 'listen'],
  ]) {
    if (!site.includes(shipped))
      throw new Error(`deploy/nginx/orbis.conf no longer holds the ${what} path ${shipped}: update test/support/deploy.ts`);
  }
  fs.writeFileSync(path.join(o.dir, 'orbis.site.conf'), replaced);
  const conf = path.join(o.dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    [
      'worker_processes 1;',
      'daemon off;',
      `pid ${o.dir}/nginx.pid;`,
      `error_log ${o.dir}/error.log warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  default_type application/octet-stream;',
      `  client_body_temp_path ${o.dir}/body; proxy_temp_path ${o.dir}/proxy; fastcgi_temp_path ${o.dir}/fcgi;`,
      `  uwsgi_temp_path ${o.dir}/uwsgi; scgi_temp_path ${o.dir}/scgi;`,
      `  include ${o.dir}/orbis.site.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  return conf;
}

export function nginxTest(conf: string): { ok: boolean; output: string } {
  // nginx -t reports on stderr, also when the file is fine.
  const r = spawnSync(NGINX, ['-t', '-p', path.dirname(conf), '-c', conf], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** nginx in the foreground (daemon off) as our child; stopped (and checked gone) at cleanup. */
export async function startNginx(conf: string): Promise<ChildProcess> {
  const child = spawn(NGINX, ['-p', path.dirname(conf), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  onCleanup(() => stopChild(child, 'SIGQUIT'));
  const pidFile = path.join(path.dirname(conf), 'nginx.pid');
  const until = Date.now() + 10_000;
  while (!fs.existsSync(pidFile)) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    if (Date.now() > until) throw new Error(`nginx did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', ms = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/** Pids of the processes whose command line holds `needle` (for the orphan check). */
export function pidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // a zombie is already dead
      if (cmd.includes(needle)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `eventually` at a pace for real servers behind nginx (a poll every 200 ms). */
export function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  return eventually(fn, ms, what, 200);
}

export interface UploadedThumbnail {
  id: number;
  state: string;
  thumb: string | null;
  error: string | null;
}

/**
 * Uploads one PNG to a card through the client (nginx in front), then follows
 * the page's own poll until the images worker is done with it.
 */
export async function uploadAndAwait(
  c: TestClient,
  cardPath: string,
  png: Buffer,
  context: () => string = () => '',
): Promise<UploadedThumbnail> {
  const up = await upload(c, cardPath, [{ name: 'photo.png', data: png, type: 'image/png' }]);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const id = up.body.media![0].id;
  return waitFor(
    async () => {
      const r = await c.get(`${cardPath}/attachments.json`, { accept: 'application/json' });
      const m = (JSON.parse(r.text) as { media: UploadedThumbnail[] }).media.find((x) => x.id === id);
      return m && m.state !== 'queued' && m.state !== 'processing' ? m : null;
    },
    40_000,
    'the thumbnails',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${context()}`);
  });
}
