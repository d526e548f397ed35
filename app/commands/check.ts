// ./manage.ts check: one report of what an administrator must know, each line
// "OK …" or "FAIL … — fix: …"; exit 1 when anything failed.
//
// What MUST hold: every probe is bounded in time and independent — with the
// database down, the broker, cache and media lines are still reported.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createCache } from '#app/cache/index';
import type { Command } from '#app/cli/command';
import { loadSettings, type Settings } from '#app/config';
import { createTransport } from '#app/context';
import { openDatabase, type Database } from '#app/db/connection';
import { createMigrator } from '#app/db/migrate';
import { createLogger } from '#app/log';
import { QUEUES } from '#app/queue/kind';
import { CardTypeError, loadCardTypes } from '#app/services/card-types';
import { DEAD_LETTERS } from '#app/queue/transport';
import { EngineStatusService, PROBE_TIMEOUT_MS, withTimeout } from '#app/services/engine-status';

interface CheckLine {
  ok: boolean;
  /** Informational: reported, never a failure. */
  note?: boolean;
  what: string;
  fix?: string;
}

/** SMS gateway and error reports: configured or not (hosts only: never a password, token or DSN key). */
export function outboundLines(settings: Settings): CheckLine[] {
  const g = settings.sms.gateway;
  const host = (u: string) => new URL(u.replace(/\{[a-z_]+\}/g, 'x')).host;
  return [
    g
      ? {
          ok: true,
          what: `SMS gateway configured: ${g.method} ${host(g.url)} (auth ${g.auth}, ${g.format}); at most one SMS per user per ${settings.sms.minutesBetween} min`,
        }
      : { ok: true, note: true, what: 'SMS gateway not configured (sms.gateway.url): SMS off, users cannot choose it' },
    settings.errorReport.dsn
      ? { ok: true, what: `error reports sent to ${host(settings.errorReport.dsn)} as installation "${settings.errorReport.installation}"` }
      : { ok: true, note: true, what: 'error reports off (errorReport.dsn / SENTRY_DSN not set): errors stay in the logs' },
  ];
}

const first = (err: unknown) => ((err as Error)?.message || String(err)).split('\n')[0];

async function runChecks(loadEnv?: () => Settings): Promise<CheckLine[]> {
  const out: CheckLine[] = [];
  let settings: Settings;
  try {
    settings = (loadEnv ?? loadSettings)();
    out.push({ ok: true, what: `settings valid (${settings.env}; conf/local.yaml and environment)` });
  } catch (err) {
    out.push({ ok: false, what: `settings: ${first(err)}`, fix: 'correct the setting named above in conf/local.yaml or the environment' });
    return out;
  }
  if (!settings.server.publicUrl) {
    out.push({
      ok: true,
      note: true,
      what: 'ORBIS_PUBLIC_URL (server.publicUrl) not set: links in mails would be relative; required once SMTP_URL is set',
    });
  }
  out.push(...outboundLines(settings));
  const log = createLogger({ log: { ...settings.log, level: 'silent' } });

  // Broker: connect, then each queue's depth (a queue never declared fails here).
  if (!settings.broker.url) {
    out.push({
      ok: settings.env !== 'production',
      what: 'broker: none (AMQP_URL not set: jobs run in-process under runserver only)',
      fix: 'set AMQP_URL to a RabbitMQ vhost of this installation (docs/install.md)',
    });
  } else {
    const transport = createTransport(settings, log);
    try {
      await withTimeout(transport.assertQueues([]), PROBE_TIMEOUT_MS * 2, 'the broker');
      const missing: string[] = [];
      for (const q of [...QUEUES, DEAD_LETTERS]) {
        try {
          await withTimeout(transport.depth(q), PROBE_TIMEOUT_MS, 'the broker');
        } catch {
          missing.push(q);
        }
      }
      out.push(
        missing.length
          ? {
              ok: false,
              what: `broker reachable, but queue(s) not declared: ${missing.map((q) => `${settings.broker.prefix}.${q}`).join(', ')}`,
              fix: 'start a worker once (./manage.ts worker): it declares the queues',
            }
          : { ok: true, what: `broker reachable; queues ${settings.broker.prefix}.{${QUEUES.join(',')}} declared` },
      );
    } catch (err) {
      out.push({
        ok: false,
        what: `broker unreachable: ${first(err)}`,
        fix: 'start RabbitMQ (systemctl start rabbitmq-server) or correct AMQP_URL (vhost, user, password)',
      });
    } finally {
      await transport.close().catch(() => undefined);
    }
  }

  // Cache.
  const cache = createCache(settings, log);
  const probe = await cache.ping();
  await cache.close();
  out.push(
    probe.ok
      ? {
          ok: true,
          what:
            probe.kind === 'memcached'
              ? `cache reachable (memcached ${settings.cache.servers.join(', ')})`
              : 'cache: in-process (MEMCACHED_SERVERS not set; fine for one web process)',
        }
      : {
          ok: false,
          what: `cache unreachable: ${probe.error}`,
          fix: 'start memcached (systemctl start memcached) or correct MEMCACHED_SERVERS; pages still work meanwhile, slower',
        },
  );

  // Media folder: really write and remove a file.
  const media = path.resolve(settings.root, settings.mediaRoot);
  try {
    const probeFile = path.join(media, `.check-${crypto.randomBytes(6).toString('hex')}`);
    fs.writeFileSync(probeFile, 'ok');
    fs.rmSync(probeFile);
    out.push({ ok: true, what: `media folder writable (${media})` });
  } catch (err) {
    out.push({
      ok: false,
      what: `media folder not writable: ${first(err)}`,
      fix: `create ${media} and give it to the account running Orbis (chown), or set MEDIA_ROOT`,
    });
  }

  // ImageMagick (or GraphicsMagick): needed for BMP, PSD and odd TIFFs.
  const tool = [
    ['convert', '-version'],
    ['gm', 'version'],
  ]
    .map(([cmd, arg]) => ({ cmd, r: spawnSync(cmd, [arg], { encoding: 'utf8', timeout: 5000 }) }))
    .find((x) => x.r.status === 0);
  out.push(
    tool
      ? {
          ok: true,
          what: `image tools present (${tool.r.stdout
            .split('\n')[0]
            .replace(/^Version:\s*/, '')
            .trim()})`,
        }
      : { ok: false, what: 'ImageMagick not found (neither convert nor gm runs)', fix: 'apt-get install imagemagick' },
  );

  // Card types: every web process loads them at start; a broken one stops it.
  try {
    const types = loadCardTypes(settings.cardTypes.dir, settings.i18n.defaultLocale);
    out.push({ ok: true, what: `card types valid (${types.all.map((t) => t.name).join(', ') || 'none'} in ${settings.cardTypes.dir})` });
  } catch (err) {
    if (!(err instanceof CardTypeError)) throw err;
    out.push({
      ok: false,
      what: `card types: ${first(err)}`,
      fix: 'correct the file at the place named above (the folder of the setting cardTypes.dir), then run ./manage.ts check again',
    });
  }

  // Database: reachable, migrated; then the beat's heartbeat. Opened on its
  // own (not through the application context) so that nothing else — card
  // types above all — is reported as a database problem.
  let db: Database | null = null;
  try {
    db = await withTimeout(openDatabase(settings, log), PROBE_TIMEOUT_MS * 3, 'the database');
    const migrator = await createMigrator(db);
    let pending: string[];
    try {
      pending = (await migrator.status()).pending;
    } finally {
      await migrator.close();
    }
    out.push(
      pending.length
        ? { ok: false, what: `database reachable, ${pending.length} migration(s) pending (${pending[0]}…)`, fix: './manage.ts db upgrade' }
        : { ok: true, what: `database reachable and migrated (schema ${settings.database.schema})` },
    );
    const beat = await new EngineStatusService(db, createTransport({ ...settings, broker: { ...settings.broker, url: null } })).beat();
    out.push(
      beat.ok
        ? { ok: true, what: `beat alive (heartbeat ${beat.ageSeconds} s ago, ${beat.holder})` }
        : { ok: false, what: `beat: ${beat.error}`, fix: 'start the beat (./manage.ts beat; supervisorctl start orbis:orbis-beat)' },
    );
    if (!pending.length) out.push(...(await mailboxLines(db)));
  } catch (err) {
    out.push({
      ok: false,
      what: `database unreachable: ${first(err)}`,
      fix: 'start PostgreSQL or correct DATABASE_URL (host, port, user, database)',
    });
  } finally {
    await db?.close().catch(() => undefined);
  }

  // nginx: informational only (Orbis runs without it in development).
  const site = ['/etc/nginx/sites-enabled/orbis', '/etc/nginx/conf.d/orbis.conf'].find((f) => fs.existsSync(f));
  out.push({
    ok: true,
    note: true,
    what: site ? `nginx site present (${site})` : 'nginx site not found in /etc/nginx (optional; deploy/nginx/orbis.conf)',
  });
  return out;
}

/** Mailboxes (mail in): each failing one is a FAIL with its error; the others one OK line. */
async function mailboxLines(db: Database): Promise<CheckLine[]> {
  const boxes = await db.rows<{ name: string; state: string; last_error: string | null; failures: number; next_poll_at: Date | null }>(
    'select name, state, last_error, failures, next_poll_at from mailboxes where enabled order by name',
  );
  if (!boxes.length) return [];
  const failing = boxes.filter((b) => b.state === 'failing');
  const lines: CheckLine[] = failing.map((b) => ({
    ok: false,
    what: `mailbox ${b.name}: ${b.last_error ?? 'failing'} (${b.failures} failure(s) in a row; next try ${b.next_poll_at ? new Date(b.next_poll_at).toISOString() : 'now'})`,
    fix: 'correct the server, user or password on /admin/mail, or make the server reachable from this machine',
  }));
  if (failing.length < boxes.length)
    lines.push({ ok: true, what: `mailboxes: ${boxes.length - failing.length} of ${boxes.length} read without error (or not polled yet)` });
  return lines;
}

function formatLine(l: CheckLine): string {
  return l.ok ? `${l.note ? 'NOTE' : 'OK  '} ${l.what}` : `FAIL ${l.what}${l.fix ? ` — fix: ${l.fix}` : ''}`;
}

export const command: Command = {
  name: 'check',
  help: 'check settings, card types, database, broker, cache, media folder, ImageMagick and beat',
  async handle(_args, io) {
    const lines = await runChecks();
    for (const l of lines) io.out(formatLine(l));
    const failed = lines.filter((l) => !l.ok).length;
    io.out(failed ? `${failed} problem(s) found.` : 'All checks passed.');
    return failed ? 1 : 0;
  },
};
