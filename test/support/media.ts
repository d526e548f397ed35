// Media tests: a served app whose context uses a chosen transport and its own
// MEDIA_ROOT (a temp folder), the images worker started on it, a signed-in
// client that uploads like the page's script (multipart `files`, X-CSRF-Token),
// and fixtures generated with sharp / ImageMagick (none committed).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { AppContext } from '#app/context';
import { startWorkers } from '#app/worker/start';
import type { Media } from '#app/services/media';
import type { SessionUser } from '#app/services/users';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { testContext, TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually, testTransport, type TransportKind } from '#test/support/queue';

export const PASSWORD = 'correct horse battery';

export interface MediaApp {
  ctx: AppContext;
  url: string;
  mediaRoot: string;
  client(): TestClient;
}

export async function mediaApp(
  kind: TransportKind,
  options: { env?: Record<string, string>; overrides?: Record<string, unknown>; worker?: boolean; prefix?: string } = {},
): Promise<MediaApp> {
  const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-media-'));
  onCleanup(() => fs.rmSync(mediaRoot, { recursive: true, force: true }));
  const transport = await testTransport(kind, { prefix: options.prefix });
  const { ctx } = await testContext({ MEDIA_ROOT: mediaRoot, ...options.env }, { jobs: FAST_JOBS, ...options.overrides }, undefined, {
    transport,
  });
  const server = await listen(createApp(ctx), '127.0.0.1', 0);
  onCleanup(() => server.close(1000));
  if (options.worker !== false) {
    const runner = await startWorkers(ctx, { queues: ['images'] });
    onCleanup(() => runner.stop(2000));
  }
  return { ctx, url: server.url, mediaRoot, client: () => new TestClient(server.url) };
}

export async function signedIn(app: MediaApp, email: string): Promise<TestClient> {
  const c = app.client();
  const r = await c.login(email, PASSWORD);
  if (r.status !== 303 && r.status !== 302) throw new Error(`login of ${email} failed: ${r.status}`);
  return c;
}

/** The upload form's CSRF token, as the card page gives it to its script. */
export async function uploadToken(c: TestClient, cardPath: string): Promise<string> {
  const page = await c.get(cardPath);
  const token = /data-csrf="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error(`no upload form on ${cardPath} (status ${page.status})`);
  return token;
}

/** Uploads as the card page's script does; returns status and parsed JSON. `token` when the page was already loaded (one view, many files). */
export async function upload(
  c: TestClient,
  cardPath: string,
  files: { name: string; data: Buffer; type?: string }[],
  query = '',
  token?: string,
): Promise<{ status: number; body: { media?: Array<{ id: number; state: string }>; error?: string; fields?: Record<string, string> } }> {
  token ??= await uploadToken(c, cardPath);
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([new Uint8Array(f.data)], { type: f.type ?? 'image/jpeg' }), f.name);
  const r = await c.request('POST', `${cardPath}/attachments${query}`, form, { accept: 'application/json', 'x-csrf-token': token });
  return { status: r.status, body: r.text ? JSON.parse(r.text) : {} };
}

export function mediaRow(ctx: AppContext, id: number): Promise<Media> {
  return ctx.db.rows<Media>('select * from media where id = $1', [id]).then((r) => r[0]);
}

/** Waits until the media row leaves queued/processing. */
export function settled(ctx: AppContext, id: number, ms = 20_000): Promise<Media> {
  return eventually(
    async () => {
      const m = await mediaRow(ctx, id);
      return m && (m.state === 'ready' || m.state === 'failed') ? m : null;
    },
    ms,
    `media #${id} processed`,
  );
}

/** A test photo: left half red, right half blue (so orientation can be checked by pixel). */
export function twoColour(width: number, height: number) {
  const half = Math.floor(width / 2);
  return sharp({ create: { width, height, channels: 3, background: '#ff0000' } }).composite([
    { input: { create: { width: width - half, height, channels: 3, background: '#0000ff' } }, left: half, top: 0 },
  ]);
}

export async function fixture(format: 'jpeg' | 'png' | 'webp' | 'tiff', width = 800, height = 600): Promise<Buffer> {
  return twoColour(width, height)[format]().toBuffer();
}

/** A BMP made by ImageMagick (sharp cannot write BMP). */
export function bmpFixture(width = 300, height = 200): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-bmp-'));
  try {
    const out = path.join(dir, 'x.bmp');
    execFileSync('convert', ['-size', `${width}x${height}`, 'xc:#00aa00', `bmp3:${out}`]);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function makeSessionUser(ctx: AppContext, email: string, roles: string[]): Promise<SessionUser> {
  for (const r of roles) await ctx.services.users.ensureRole(r);
  const u = await ctx.services.users.create({ email, password: PASSWORD, roles, displayName: email.split('@')[0] });
  return (await ctx.services.users.sessionUser(u.id))!;
}
