// Mail in: BENCH_MAILS (1,000) waiting messages of about 10 KB, one in ten
// with a PNG attachment, imported by one poll of a real dovecot (on a
// loopback port, as root) into complaints on a fresh database — the target
// is ≤ 60 s. Then an idle mailbox polled BENCH_IDLE_POLLS (20) times: wall
// time and this process's CPU per poll, and that CPU × 60 polls an hour (the
// target is ≤ 1 s an hour). PostgreSQL's and dovecot's own CPU are not in
// the process figure; the job engine's cost per beat slot is not either.
// Prints the load average before and after.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/mail-import.bench.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { LocalTransport } from '#app/queue/transports/local';
import { createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { makeUser } from '#test/support/app';
import { dovecotAvailable, startDovecot } from '#test/support/dovecot';
import { compose, mailboxInput, MAILBOX_PASSWORD, MAILBOX_USER, PNG } from '#test/support/mail-in';

const DB_NAME = 'orbis_bench_mail_import';
const MAILS = Number(process.env.BENCH_MAILS ?? 1000);
const IDLE_POLLS = Number(process.env.BENCH_IDLE_POLLS ?? 20);
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

if (!dovecotAvailable()) throw new Error('dovecot is needed (apt-get install dovecot-imapd; run as root)');
const dovecot = await startDovecot({ [MAILBOX_USER]: MAILBOX_PASSWORD });
const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-bench-mail-'));
const url = await createBenchDatabase(DB_NAME);
const settings = loadSettings({
  env: {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: url,
    MEDIA_ROOT: mediaRoot,
    SECRET_KEY: 'bench-secret-key-0123456789',
    ORBIS_PUBLIC_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'warn',
  },
});
const ctx = await createContext(settings, { log: createLogger(settings), transport: new LocalTransport() });
try {
  await makeUser(ctx, 'boss@example.com', { superuser: true });
  const id = await ctx.services.mailboxes.create(mailboxInput(dovecot));
  const paragraph = 'The parcel arrived with a dent in the corner and the kettle inside does not switch on any more. ';
  const mails: Buffer[] = [];
  for (let i = 0; i < MAILS; i++) {
    mails.push(
      await compose({
        subject: `Complaint ${i}`,
        messageId: `<bench-${i}@customer.example>`,
        text: paragraph.repeat(105),
        attachments: i % 10 === 0 ? [{ filename: `photo-${i}.png`, content: PNG }] : [],
      }),
    );
  }
  dovecot.deliver(MAILBOX_USER, mails);
  const bytes = mails.reduce((n, m) => n + m.length, 0);
  console.log(`load average before: ${load()}; ${MAILS} mails, ${(bytes / MAILS / 1024).toFixed(1)} KB each on average`);

  let cpu = process.cpuUsage();
  let t0 = performance.now();
  const r = await ctx.services.mailPoll.poll(id, {
    progress(done, total) {
      if (done && done % (total / 10) === 0) console.log(`  ${done} of ${total}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  let used = process.cpuUsage(cpu);
  console.log(
    `import: ${r.imported} imported, ${r.refused} refused in ${seconds.toFixed(1)} s ` +
      `(${(r.imported / seconds).toFixed(0)} mails/s; this process's CPU ${((used.user + used.system) / 1e6).toFixed(1)} s)`,
  );
  const [{ n }] = await ctx.db.rows<{ n: number }>(`select count(*)::int as n from media`);
  console.log(`attachments stored: ${n}`);

  cpu = process.cpuUsage();
  t0 = performance.now();
  for (let i = 0; i < IDLE_POLLS; i++) await ctx.services.mailPoll.poll(id);
  used = process.cpuUsage(cpu);
  const perPoll = (used.user + used.system) / 1e6 / IDLE_POLLS;
  console.log(
    `idle poll: ${((performance.now() - t0) / IDLE_POLLS).toFixed(0)} ms wall, ${(perPoll * 1000).toFixed(1)} ms CPU each; ` +
      `× 60 an hour = ${(perPoll * 60).toFixed(2)} s CPU per hour (this process)`,
  );
  console.log(`load average after: ${load()}`);
} finally {
  await ctx.close();
  await dovecot.stop();
  fs.rmSync(mediaRoot, { recursive: true, force: true });
  await dropBenchDatabase(DB_NAME);
}
