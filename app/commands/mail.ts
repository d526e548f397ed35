// ./manage.ts mail add|list|remove|fetch: the mailboxes Orbis reads
// (app/services/mailboxes.ts) and a poll in the foreground
// (app/services/mail-poll.ts) — what the beat's mail.fetch does each
// minute, with a progress bar on a terminal.
import { CommandError, type Command } from '#app/cli/command';
import { ProgressBar } from '#app/cli/progress';
import { withContext } from '#app/cli/runtime';
import { ValidationError } from '#app/services/errors';
import { parseMailboxUrl, PROCESSED, type MailboxInput, type MapTo, type Processed } from '#app/services/mailboxes';
import type { PollResult } from '#app/services/mail-poll';

const when = (d: Date | null) => (d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '-');

function pairs(values: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i < 1) throw new CommandError(`${what} takes FIELD=VALUE, not "${v}"`);
    out[v.slice(0, i).trim()] = v.slice(i + 1);
  }
  return out;
}

function resultLine(r: PollResult): string {
  if (r.busy) return `${r.mailbox}: another poll is running; skipped`;
  if (!r.ok) return `${r.mailbox}: FAILED — ${r.error}`;
  return `${r.mailbox}: ${r.total} new message(s): ${r.imported} imported, ${r.refused} refused, ${r.ignored} ignored, ${r.seen} already seen`;
}

export const command: Command = {
  name: 'mail',
  help: 'mailboxes Orbis reads into cards: add, list, remove, fetch (what the beat does each minute)',
  arguments: [
    { name: 'ACTION', choices: ['add', 'list', 'remove', 'fetch'], help: 'what to do' },
    { name: 'NAME', optional: true, help: "remove: the mailbox's name" },
    { name: '--name', value: 'NAME', help: 'add: the mailbox name (letters, digits, . _ -)' },
    { name: '--url', value: 'URL', help: 'add: imap://USER:PASSWORD@HOST:PORT/FOLDER (imaps:// for TLS)' },
    { name: '--type', value: 'TYPE', help: 'add: the card type of new cards' },
    { name: '--map', value: 'FIELD=sender|body', multiple: true, help: "add: fill a field with the sender or the mail's text" },
    { name: '--set', value: 'FIELD=VALUE', multiple: true, help: 'add: a fixed value for a field of new cards' },
    { name: '--owner', value: 'EMAIL', help: 'add: who owns the new cards (default: the first superuser)' },
    { name: '--allow', value: 'SENDER', multiple: true, help: 'add: only mail from this address, @domain or domain (default: anyone)' },
    { name: '--processed', value: 'flag|move|delete', help: 'add: what to do with imported mail on the server (default: flag)' },
    { name: '--move-to', value: 'FOLDER', help: 'add: the folder imported mail is moved to (with --processed move)' },
    { name: '--max-mb', value: 'MB', help: 'add: larger mail is refused unread (default: 25)' },
    { name: '--mailbox', value: 'NAME', help: 'fetch: only this mailbox' },
    { name: '--once', help: 'fetch: one poll, then exit (default: poll every minute until stopped)' },
  ],
  description: [
    'A reply whose subject names a card ([PR-000123]) becomes a comment on that card.',
    "Orbis's own mail, auto-replies and bounces are never imported; refused mail is on /admin/mail.",
  ],
  async handle({ values, positionals }, io) {
    const [action, name] = positionals;
    if (action === 'remove' && !name) throw new CommandError('mail remove needs the mailbox NAME (see mail list)');
    const addOnly = ['name', 'url', 'type', 'map', 'set', 'owner', 'allow', 'processed', 'move-to', 'max-mb'].filter(
      (k) => values[k] !== undefined,
    );
    if (action !== 'add' && addOnly.length) throw new CommandError(`--${addOnly[0]} goes with mail add, not mail ${action}`);
    if (action !== 'fetch' && (values.mailbox !== undefined || values.once !== undefined))
      throw new CommandError(`--mailbox and --once go with mail fetch, not mail ${action}`);
    let input: MailboxInput | null = null;
    if (action === 'add') {
      if (!values.name) throw new CommandError('mail add needs --name NAME');
      if (!values.url) throw new CommandError('mail add needs --url imap://USER:PASSWORD@HOST:PORT/FOLDER');
      if (!values.type) throw new CommandError('mail add needs --type TYPE');
      const map = pairs(values.map as string[] | undefined, '--map');
      for (const [f, v] of Object.entries(map))
        if (v !== 'sender' && v !== 'body') throw new CommandError(`--map ${f}=${v}: the value is sender or body`);
      const processed = (values.processed as string | undefined) ?? 'flag';
      if (!PROCESSED.includes(processed as Processed)) throw new CommandError(`--processed is flag, move or delete, not "${processed}"`);
      const maxMb = values['max-mb'] === undefined ? 25 : Number(values['max-mb']);
      let parts;
      try {
        parts = parseMailboxUrl(values.url as string);
      } catch {
        throw new CommandError(
          `--url: expected imap://USER:PASSWORD@HOST:PORT/FOLDER or imaps://…, not "${String(values.url).replace(/:[^:@/]*@/, ':…@')}"`,
        );
      }
      input = {
        ...parts,
        name: values.name as string,
        card_type: values.type as string,
        mapping: map as Record<string, MapTo>,
        defaults: pairs(values.set as string[] | undefined, '--set'),
        allowed_senders: (values.allow as string[] | undefined) ?? [],
        processed: processed as Processed,
        move_to: (values['move-to'] as string | undefined) ?? '',
        max_mb: maxMb,
        owner: (values.owner as string | undefined) ?? '',
      };
    }
    await withContext(async (ctx) => {
      const { mailboxes, mailPoll } = ctx.services;
      if (action === 'add') {
        try {
          await mailboxes.create(input!);
        } catch (err) {
          if (err instanceof ValidationError)
            throw new CommandError(
              Object.entries(err.fields)
                .map(([k, v]) => `${k}: ${v}`)
                .join('; '),
            );
          throw err;
        }
        io.out(
          `mailbox ${input!.name} added (${input!.tls ? 'imaps' : 'imap'}://${input!.host}:${input!.port}/${input!.folder}); the beat polls it every minute`,
        );
        return;
      }
      if (action === 'list') {
        const all = await mailboxes.list();
        if (!all.length) io.out('no mailboxes (add one with ./manage.ts mail add)');
        for (const m of all)
          io.out(
            [
              m.name,
              `${m.tls ? 'imaps' : 'imap'}://${m.username}@${m.host}:${m.port}/${m.folder}`,
              `→ ${m.card_type}`,
              m.state + (m.last_error ? ` (${m.last_error})` : ''),
              `last poll ${when(m.last_poll_at)}`,
              `${m.imported} imported, ${m.refused} refused, ${m.ignored} ignored`,
            ].join('  '),
          );
        return;
      }
      if (action === 'remove') {
        const m = await mailboxes.byName(name!);
        if (!m) throw new CommandError(`no mailbox named ${name} (see ./manage.ts mail list)`);
        await mailboxes.remove(m.id);
        io.out(`mailbox ${name} removed (its mail on the server is left as it is)`);
        return;
      }
      const only = values.mailbox as string | undefined;
      const target = only ? await mailboxes.byName(only) : null;
      if (only && !target) throw new CommandError(`no mailbox named ${only} (see ./manage.ts mail list)`);
      let stop = false;
      const onSignal = () => (stop = true);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        for (;;) {
          let bar: ProgressBar | null = null;
          let shown = 0;
          const hooks = {
            progress(done: number, total: number) {
              if (!io.interactive || !total) return;
              bar ??= new ProgressBar(io, 'fetching', total);
              bar.tick(done - shown);
              shown = done;
            },
          };
          const results = target ? [await mailPoll.poll(target.id, hooks)] : await mailPoll.pollDue(hooks);
          (bar as ProgressBar | null)?.finish();
          for (const r of results) io.out(resultLine(r));
          if (!target)
            for (const m of await mailboxes.list())
              if (m.enabled && m.state === 'failing' && !results.some((r) => r.mailbox === m.name))
                io.out(
                  `${m.name}: failing (${m.last_error}); next try ${when(m.next_poll_at)} UTC (mail fetch --mailbox ${m.name} tries now)`,
                );
          if (values.once || stop) {
            if (results.some((r) => !r.ok && !r.busy)) throw new CommandError('a mailbox could not be read (see the line above)');
            return;
          }
          for (let i = 0; i < 60 && !stop; i++) await new Promise((r) => setTimeout(r, 1000));
          if (stop) return;
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  },
};
