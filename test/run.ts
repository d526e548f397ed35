// `npm test`: prepares one migrated template database, then runs every test
// file with node's test runner; each file clones its own database from the
// template (test/support/db.ts).
//
// The database is the real PostgreSQL when DATABASE_URL is set (CI sets it),
// else the embedded one under var/pg-test. Arguments filter test files by
// substring: `npm test -- users csrf`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadSettings } from '#app/config';
import { createMigrator } from '#app/db/migrate';
import { startEmbedded } from '#app/db/embedded';
import { withDatabase } from '#test/support/pg-admin';

const root = path.resolve(import.meta.dirname, '..');

function findTests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'bench' || e.name === 'support' ? [] : findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const args = process.argv.slice(2);
  const filters = args.filter((a) => !a.startsWith('!'));
  const excluded = args.filter((a) => a.startsWith('!')).map((a) => a.slice(1));
  const files = findTests(path.join(root, 'test'))
    .filter((f) => !filters.length || filters.some((s) => path.relative(root, f).includes(s)))
    .filter((f) => !excluded.some((s) => path.relative(root, f).includes(s)))
    .sort();
  if (!files.length) {
    console.error(`no test file matches ${args.join(' ')}`);
    process.exit(1);
  }
  const settings = loadSettings({ env: { ...process.env, NODE_ENV: 'test' } });
  let embedded: Awaited<ReturnType<typeof startEmbedded>> | null = null;
  let baseUrl = settings.database.url;
  if (!baseUrl) {
    const { dir, port, portFixed } = settings.database.embedded;
    embedded = await startEmbedded({
      dir,
      port: port + 1,
      movable: !portFixed,
      portSetting: 'ORBIS_EMBEDDED_PG_PORT (the tests use it + 1)',
      database: 'orbis_test',
      log: (line) => console.log(`# ${line}`),
    });
    baseUrl = embedded.url;
    console.log(`# database: embedded PostgreSQL (${settings.database.embedded.dir})`);
  } else {
    console.log(`# database: ${new URL(baseUrl).host} (DATABASE_URL)`);
  }
  const adminUrl = withDatabase(baseUrl, 'postgres');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Leftovers of runs that were killed: their runner pid is in the name.
  const stale = await admin.query<{ datname: string }>(`select datname from pg_database where datname ~ '^orbis_t(pl)?_[0-9]+_'`);
  for (const { datname } of stale.rows) {
    const pid = Number(datname.split('_')[2]);
    if (!alive(pid)) await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
  }
  const template = `orbis_tpl_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`create database "${template}"`);
  let code: number;
  try {
    const migrator = await createMigrator({ url: withDatabase(baseUrl, template), schema: settings.database.schema });
    await migrator.upgrade();
    await migrator.close();

    const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
    // A hung test must never hang the run (CI has a hard limit): every test
    // has a timeout, a file's process exits when its tests are done even if
    // a handle is left open, and the whole run has a watchdog.
    const testTimeout = Number(process.env.TEST_TIMEOUT_MS ?? 180_000);
    const runLimit = Number(process.env.TEST_RUN_LIMIT_MS ?? 25 * 60_000);
    // Files named *.serial.test.ts disturb shared servers (they restart
    // RabbitMQ): they run after the others, one at a time. So do the browser
    // tests: each drives its own chromium, and two at once beside the rest
    // starved the machine.
    const serial = files.filter((f) => f.endsWith('.serial.test.ts') || f.includes(`${path.sep}e2e${path.sep}`));
    const parallel = files.filter((f) => !serial.includes(f));
    const phase = (phaseFiles: string[], phaseConcurrency: number) =>
      new Promise<number>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            '--test',
            `--test-concurrency=${phaseConcurrency}`,
            `--test-timeout=${testTimeout}`,
            '--test-force-exit',
            '--test-reporter=spec',
            ...phaseFiles,
          ],
          {
            // stdout passes through, and its summary lines are counted.
            stdio: ['inherit', 'pipe', 'inherit'],
            env: {
              ...process.env,
              NODE_ENV: 'test',
              ORBIS_TEST_ADMIN_URL: adminUrl,
              ORBIS_TEST_TEMPLATE: template,
              ORBIS_TEST_RUNNER_PID: String(process.pid),
            },
          },
        );
        let tail = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          process.stdout.write(chunk);
          const lines = (tail + chunk.toString()).split('\n');
          tail = lines.pop() ?? '';
          for (const line of lines) {
            // A cancelled test (its suite's hook failed, or it timed out) is a failure.
            const m = /^ℹ (pass|fail|cancelled|skipped) (\d+)$/.exec(line.trim());
            if (m) totals[m[1] === 'cancelled' ? 'fail' : (m[1] as keyof typeof totals)] += Number(m[2]);
          }
        });
        const stop = () => child.kill('SIGINT');
        process.on('SIGINT', stop);
        const watchdog = setTimeout(() => {
          console.error(`# the test run exceeded ${runLimit / 60_000} minutes: stopping it (TEST_RUN_LIMIT_MS)`);
          child.kill('SIGKILL');
        }, runLimit);
        child.on('close', (c) => {
          clearTimeout(watchdog);
          process.off('SIGINT', stop);
          resolve(c ?? 1);
        });
      });
    const totals = { pass: 0, fail: 0, skipped: 0 };
    const codes: number[] = [];
    if (parallel.length) codes.push(await phase(parallel, concurrency));
    if (serial.length) {
      console.log(`# serial phase (one file at a time): ${serial.map((f) => path.relative(root, f)).join(', ')}`);
      codes.push(await phase(serial, 1));
    }
    code = codes.some((c) => c !== 0) ? 1 : 0;
    if (serial.length && parallel.length) console.log(`# both phases ${code === 0 ? 'passed' : 'had failures'} (exit ${code})`);
    // One closing line for the whole run, both phases.
    console.log(`${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
  } finally {
    await admin.query(`drop database if exists "${template}" with (force)`).catch(() => undefined);
    await admin.end();
    await embedded?.stop();
  }
  process.exit(code);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
