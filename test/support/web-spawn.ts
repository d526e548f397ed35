// Starts test/support/web-process.ts as a process of its own (the context and
// app `./manage.ts serve` builds) and waits for its "ready PORT"; killed at
// the end of the test file.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { onCleanup } from '#test/support/cleanup';
import { ROOT } from '#test/support/cli';

const script = path.resolve(import.meta.dirname, 'web-process.ts');

export async function startWebProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web process did not get ready within 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      const m = /ready (\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`the web process exited early (${code}): ${err}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => err };
}
