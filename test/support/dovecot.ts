// A real IMAP server for tests: Debian's dovecot, run from a temporary folder
// on a free loopback port with a passwd-file of test users (no system
// service, no TLS; STACK.md says how). Missing dovecot skips the test on a
// dev machine and fails it in CI (test/support/servers.ts).
//
// Messages are put in a mailbox with IMAP APPEND through imapflow, as any
// client would deliver them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { onCleanup } from '#test/support/cleanup';
import { inCI } from '#test/support/servers';

export const DOVECOT = '/usr/sbin/dovecot';

export interface Dovecot {
  host: string;
  port: number;
  /** imap://USER:PASSWORD@127.0.0.1:PORT/INBOX */
  url(user: string, folder?: string): string;
  /** Appends raw messages to a user's folder (made when missing). */
  append(user: string, messages: (string | Buffer)[], folder?: string): Promise<void>;
  /** Drops raw messages straight into a user's Maildir `new/` (as a delivery agent would): fast for thousands. */
  deliver(user: string, messages: (string | Buffer)[]): void;
  /** The messages in a user's folder: uid, flags and Message-ID. */
  list(user: string, folder?: string): Promise<{ uid: number; flags: string[]; messageId: string | undefined }[]>;
  stop(): Promise<void>;
}

/** Whether dovecot can run here (installed, and root: it drops to `nobody`). */
export function dovecotAvailable(): boolean {
  return fs.existsSync(DOVECOT) && process.getuid?.() === 0;
}

/** The reason to skip a file, or null (throws in CI when dovecot cannot run). */
export function dovecotMissing(): string | null {
  if (dovecotAvailable()) return null;
  const why = fs.existsSync(DOVECOT) ? 'dovecot needs root to start' : 'dovecot is not installed (apt-get install dovecot-imapd)';
  if (inCI) throw new Error(`${why}: required in CI`);
  return why;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`dovecot did not listen on 127.0.0.1:${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts dovecot with `users` (name → password); stopped when the test file ends. */
export async function startDovecot(users: Record<string, string>): Promise<Dovecot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-dovecot-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const base = path.join(dir, 'run');
  const mail = path.join(dir, 'mail');
  fs.mkdirSync(base);
  fs.mkdirSync(mail);
  spawnSync('chown', ['nobody:nogroup', mail]);
  const passwd = path.join(dir, 'passwd');
  fs.writeFileSync(
    passwd,
    Object.entries(users)
      .map(([u, p]) => `${u}:{PLAIN}${p}\n`)
      .join(''),
  );
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(
    conf,
    `base_dir = ${base}
state_dir = ${path.join(dir, 'state')}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
log_path = ${path.join(dir, 'dovecot.log')}
mail_location = maildir:${mail}/%u
first_valid_uid = 1
default_internal_user = nobody
default_login_user = nobody
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${passwd}
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${mail}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`,
  );
  const r = spawnSync(DOVECOT, ['-c', conf], { stdio: 'ignore', timeout: 15_000 });
  if (r.status !== 0) {
    const log = fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '';
    throw new Error(`dovecot did not start (exit ${r.status}): ${log.slice(-2000)}`);
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const pidFile = path.join(base, 'master.pid');
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) : 0;
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  onCleanup(stop);
  await waitPort(port, 10_000);

  const client = async (user: string) => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: users[user] }, logger: false });
    await c.connect();
    return c;
  };
  return {
    host: '127.0.0.1',
    port,
    url: (user, folder = 'INBOX') =>
      `imap://${encodeURIComponent(user)}:${encodeURIComponent(users[user])}@127.0.0.1:${port}/${encodeURIComponent(folder)}`,
    async append(user, messages, folder = 'INBOX') {
      const c = await client(user);
      try {
        if (folder !== 'INBOX') await c.mailboxCreate(folder).catch(() => undefined);
        for (const m of messages) await c.append(folder, m);
      } finally {
        await c.logout();
      }
    },
    deliver(user, messages) {
      const root = path.join(mail, user);
      for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(root, sub), { recursive: true });
      const stamp = Math.floor(Date.now() / 1000);
      messages.forEach((m, i) => fs.writeFileSync(path.join(root, 'new', `${stamp}.M${i}P${process.pid}.orbis-test`), m));
      spawnSync('chown', ['-R', 'nobody:nogroup', root]);
    },
    async list(user, folder = 'INBOX') {
      const c = await client(user);
      try {
        const lock = await c.getMailboxLock(folder);
        try {
          const out: { uid: number; flags: string[]; messageId: string | undefined }[] = [];
          if (!(c.mailbox && c.mailbox.exists)) return out;
          for await (const m of c.fetch('1:*', { uid: true, flags: true, envelope: true }))
            out.push({ uid: m.uid, flags: [...(m.flags ?? [])], messageId: m.envelope?.messageId });
          return out;
        } finally {
          lock.release();
        }
      } finally {
        await c.logout();
      }
    },
    stop,
  };
}
