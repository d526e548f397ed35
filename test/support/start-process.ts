// `./manage.ts start` (what `npm start` runs) as a child process: waits until
// it serves, keeps everything it printed, stops it with SIGINT.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '#test/support/cli';
import { onCleanup } from '#test/support/cleanup';

export interface StartedOrbis {
  out(): string;
  url: string;
  stop(): Promise<number | null>;
}

export async function startOrbis(env: Record<string, string>, timeoutMs = 60_000): Promise<StartedOrbis> {
  const child = spawn(path.join(ROOT, 'manage.ts'), ['start', '-p', '0'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r((code = c))));
  const stop = async () => {
    if (code === undefined) child.kill('SIGINT');
    return exited;
  };
  onCleanup(() => stop().then(() => undefined));
  const started = Date.now();
  // The whole banner: it ends with an empty line after the sign-in lines.
  while (!/running at (http:\S+)\/[\s\S]*\n\n/.test(out)) {
    if (code !== undefined) throw Object.assign(new Error(`exited with ${code}:\n${out}`), { code, out });
    if (Date.now() - started > timeoutMs) throw new Error(`not serving within ${timeoutMs / 1000} s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { out: () => out, url: /running at (http:\S+)\//.exec(out)![1], stop };
}
