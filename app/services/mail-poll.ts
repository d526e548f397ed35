// Reading a mailbox over IMAP (imapflow): the messages after the last one
// handled, in batches, each through MailImport; then what the mailbox says
// to do with imported mail (flag it seen, move it, delete it). Refused and
// ignored mail stays on the server untouched.
//
// What MUST hold, and why:
// - One poll of a mailbox at a time: a PostgreSQL advisory lock on a
//   connection of the poll's own, released by PostgreSQL when the process
//   dies — a killed worker never leaves a mailbox locked.
// - A failure to reach the server or to log in is the mailbox's state
//   (failing, the error, the count) and the next poll waits: 1, 2, 4 … up
//   to 60 minutes. It never throws out of the poll: other mailboxes go on.
// - Bounded memory and time per step: headers (envelope, size) are read
//   100 at a time; a message over the mailbox's size limit is refused from
//   its size alone, its headers kept, its body never downloaded. Progress
//   and the last UID are written after each message, so a poll stopped
//   midway resumes where it was.
// - Polling, not IDLE: a beat job every minute. IDLE would hold an IMAP
//   connection per mailbox in a worker for ever, which the job engine (short
//   jobs, retries, timeouts) does not model; a minute's delay is fine for
//   mail that people answer in hours. docs/operations.md has the cost.
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { rawClient, type Database } from '#app/db/connection';
import { msg } from '#app/i18n/message';
import type { Logger } from '#app/log';
import type { ImportOutcome, MailImport } from '#app/services/mail-import';
import type { MailboxRow, MailboxService } from '#app/services/mailboxes';

const BATCH = 100;
const TIMEOUT_MS = 15_000;
/** At most this many bytes of mail bodies are asked for in one FETCH (a batch's bodies are held until handled). */
const DOWNLOAD_BYTES = 32 * 1024 * 1024;

interface Known {
  id: number;
  state: string;
  server_done: boolean;
}

export interface PollResult {
  mailbox: string;
  busy: boolean;
  ok: boolean;
  error: string | null;
  total: number;
  imported: number;
  refused: number;
  ignored: number;
  seen: number;
}

export interface PollHooks {
  /** Called once the number of new messages is known, and after each message. */
  progress?(done: number, total: number): void | Promise<void>;
  outcome?(o: ImportOutcome): void;
  signal?: AbortSignal;
}

/** The wait before the next try after `failures` failures in a row: 1 min × 2^(n−1), at most 60 min. */
export function backoffMinutes(failures: number): number {
  return Math.min(60, 2 ** Math.max(0, failures - 1));
}

/** A connection or login error as one line for the admin. */
export function describeImapError(err: unknown): string {
  const e = err as { authenticationFailed?: boolean; code?: string; responseText?: string; message?: string };
  if (e?.authenticationFailed) return `login refused${e.responseText ? `: ${e.responseText}` : ''}`;
  if (e?.code && /^E[A-Z]+$/.test(e.code)) return `cannot reach the server (${e.code}${e.message ? `: ${e.message}` : ''})`;
  return (e?.responseText || e?.message || String(err)).split('\n')[0].slice(0, 300);
}

export class MailPoll {
  constructor(
    private readonly db: Database,
    private readonly mailboxes: MailboxService,
    private readonly importer: MailImport,
    private readonly log: Logger,
  ) {}

  /** Every enabled mailbox whose next poll is due (the beat's job). */
  async pollDue(hooks: PollHooks = {}): Promise<PollResult[]> {
    const due = await this.db.rows<{ id: number }>(
      'select id from mailboxes where enabled and (next_poll_at is null or next_poll_at <= now()) order by id',
    );
    const out: PollResult[] = [];
    for (const { id } of due) {
      if (hooks.signal?.aborted) break;
      out.push(await this.poll(Number(id), hooks));
    }
    return out;
  }

  /** Polls one mailbox now (its backoff is not waited for). */
  async poll(id: number, hooks: PollHooks = {}): Promise<PollResult> {
    const box = await this.mailboxes.row(id);
    if (!box) throw new Error(`no mailbox ${id}`);
    const result: PollResult = {
      mailbox: box.name,
      busy: false,
      ok: false,
      error: null,
      total: 0,
      imported: 0,
      refused: 0,
      ignored: 0,
      seen: 0,
    };
    const lock = rawClient(this.db);
    await lock.connect();
    try {
      const [{ got }] = (
        await lock.query<{ got: boolean }>(`select pg_try_advisory_lock(hashtext('orbis-mail:' || current_schema()), $1::int) as got`, [id])
      ).rows;
      if (!got) return { ...result, busy: true };
      await this.db.exec('update mailboxes set last_poll_at = now() where id = $1', [id]);
      try {
        await this.read(box, result, hooks);
        result.ok = true;
        await this.db.exec(
          `update mailboxes set state = 'ok', last_error = null, failures = 0, last_ok_at = now(), next_poll_at = null where id = $1`,
          [id],
        );
      } catch (err) {
        if (isDatabaseError(err)) throw err;
        result.error = describeImapError(err);
        const [{ failures }] = await this.db.rows<{ failures: number }>(
          `update mailboxes set state = 'failing', last_error = $2, failures = failures + 1 where id = $1 returning failures`,
          [id, result.error],
        );
        await this.db.exec(`update mailboxes set next_poll_at = now() + make_interval(mins => $2) where id = $1`, [
          id,
          backoffMinutes(failures),
        ]);
        this.log.warn({ mailbox: box.name, err: result.error, failures }, 'mailbox poll failed');
      }
      return result;
    } finally {
      await lock.end().catch(() => undefined);
    }
  }

  private async read(box: MailboxRow, result: PollResult, hooks: PollHooks): Promise<void> {
    const client = new ImapFlow({
      host: box.host,
      port: box.port,
      secure: box.tls,
      auth: { user: box.username, pass: this.mailboxes.password(box) },
      logger: false,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: 60_000,
      disableAutoIdle: true,
    });
    client.on('error', (err: Error) => this.log.warn({ mailbox: box.name, err: err.message }, 'IMAP connection error'));
    await client.connect();
    try {
      const lock = await client.getMailboxLock(box.folder);
      try {
        const validity = Number(client.mailbox ? client.mailbox.uidValidity : 0);
        let last = Number(box.last_uid);
        // A new UIDVALIDITY renumbers the folder: read it all again (the Message-IDs keep anything from being imported twice).
        if (box.uid_validity !== null && Number(box.uid_validity) !== validity) last = 0;
        await this.db.exec('update mailboxes set uid_validity = $2, last_uid = $3 where id = $1', [box.id, validity, last]);
        const exists = client.mailbox ? client.mailbox.exists : 0;
        const uids = exists ? ((await client.search({ uid: `${last + 1}:*` }, { uid: true })) || []).filter((u) => u > last) : [];
        uids.sort((a, b) => a - b);
        result.total = uids.length;
        await this.db.exec('update mailboxes set progress_done = 0, progress_total = $2 where id = $1', [box.id, uids.length]);
        await hooks.progress?.(0, uids.length);
        let done = 0;
        let lastUid = last;
        const flush = () =>
          this.db.exec('update mailboxes set last_uid = greatest(last_uid, $2), progress_done = $3 where id = $1', [box.id, lastUid, done]);
        try {
          for (let i = 0; i < uids.length; i += BATCH) {
            const heads: FetchMessageObject[] = [];
            for await (const m of client.fetch(
              uids.slice(i, i + BATCH).join(','),
              { uid: true, envelope: true, size: true },
              { uid: true },
            ))
              heads.push(m);
            heads.sort((a, b) => a.uid - b.uid);
            const known = await this.known(heads);
            const sources = await this.download(client, box, heads, known);
            for (const head of heads) {
              if (hooks.signal?.aborted) throw new Error('the poll was stopped');
              const o = await this.one(client, box, head, known, sources.get(head.uid) ?? null);
              sources.delete(head.uid);
              if (o.kind === 'imported' || o.kind === 'seen') await this.afterImport(client, box, head.uid, o.key, known.get(o.key));
              if (o.kind !== 'seen') hooks.outcome?.(o);
              result[o.kind === 'seen' ? 'seen' : o.kind]++;
              done++;
              lastUid = head.uid;
              await hooks.progress?.(done, uids.length);
            }
            await flush();
          }
        } finally {
          await flush();
        }
        if (box.processed === 'delete') await client.mailboxClose().catch(() => undefined);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  /** The batch's Message-IDs already handled, with what was done on the server. */
  private async known(heads: FetchMessageObject[]): Promise<Map<string, Known>> {
    const keys = heads.map((h) => h.envelope?.messageId?.trim()).filter((k): k is string => Boolean(k));
    const rows = keys.length
      ? await this.db.rows<Known & { message_id: string }>(
          'select id, message_id, state, server_done from mail_messages where message_id = any($1::text[])',
          [keys],
        )
      : [];
    return new Map(rows.map((r) => [r.message_id, r]));
  }

  /** The bodies of the batch's new messages within the size limit, fetched a few at a time (at most DOWNLOAD_BYTES per command). */
  private async download(client: ImapFlow, box: MailboxRow, heads: FetchMessageObject[], known: Map<string, Known>) {
    const sources = new Map<number, Buffer>();
    const limit = box.max_mb * 1024 * 1024;
    const want = heads.filter((h) => !known.has(h.envelope?.messageId?.trim() ?? '') && (h.size ?? 0) <= limit);
    let chunk: number[] = [];
    let bytes = 0;
    const fetchChunk = async () => {
      if (!chunk.length) return;
      for await (const m of client.fetch(chunk.join(','), { uid: true, source: true }, { uid: true }))
        if (m.source) sources.set(m.uid, m.source);
      chunk = [];
      bytes = 0;
    };
    for (const h of want) {
      if (bytes + (h.size ?? 0) > DOWNLOAD_BYTES) await fetchChunk();
      chunk.push(h.uid);
      bytes += h.size ?? 0;
    }
    await fetchChunk();
    return sources;
  }

  /** One message: known already, too large (refused from its size and headers), or handled from its bytes. */
  private async one(
    client: ImapFlow,
    box: MailboxRow,
    head: FetchMessageObject,
    known: Map<string, Known>,
    source: Buffer | null,
  ): Promise<ImportOutcome> {
    const key = head.envelope?.messageId?.trim();
    if (key && known.has(key)) return { kind: 'seen', key };
    const size = head.size ?? 0;
    if (size > box.max_mb * 1024 * 1024) return this.tooLarge(client, box, head, key);
    if (!source) throw new Error(`message ${head.uid} vanished while being read`);
    return this.importer.handle(box, source, head.uid);
  }

  private async tooLarge(client: ImapFlow, box: MailboxRow, head: FetchMessageObject, key: string | undefined): Promise<ImportOutcome> {
    const h = await client.fetchOne(String(head.uid), { uid: true, headers: true }, { uid: true });
    const headers = h && h.headers ? h.headers : Buffer.alloc(0);
    const sender = head.envelope?.from?.[0]?.address?.toLowerCase() ?? '';
    const size = head.size ?? 0;
    return this.importer.refuse(
      box,
      key || `<uid.${box.id}.${box.uid_validity}.${head.uid}@too-large>`,
      { uid: head.uid, subject: (head.envelope?.subject ?? '').replace(/\u0000/g, ''), sender, size },
      msg('mailin.reasons.tooLarge', { mb: box.max_mb, size: Math.ceil(size / 1024 / 1024) }),
      headers.length ? headers : null,
    );
  }

  /** What the mailbox does with imported mail, once (server_done). */
  private async afterImport(client: ImapFlow, box: MailboxRow, uid: number, key: string, known: Known | undefined): Promise<void> {
    if (known && (known.state !== 'imported' || known.server_done)) return;
    const [row] = await this.db.rows<{ id: number }>(
      `select id from mail_messages where message_id = $1 and state = 'imported' and not server_done`,
      [key],
    );
    if (!row) return;
    if (box.processed === 'move' && box.move_to) {
      await client.mailboxCreate(box.move_to).catch(() => undefined);
      await client.messageMove(String(uid), box.move_to, { uid: true });
    } else if (box.processed === 'delete') await client.messageDelete(String(uid), { uid: true });
    else await client.messageFlagsAdd(String(uid), ['\\Seen', '\\Flagged'], { uid: true });
    await this.db.exec('update mail_messages set server_done = true where id = $1', [row.id]);
  }
}

function isDatabaseError(err: unknown): boolean {
  const name = (err as Error)?.name ?? '';
  return (
    name.startsWith('Sequelize') || name === 'OutsideTransactionError' || typeof (err as { severity?: unknown })?.severity === 'string'
  );
}
