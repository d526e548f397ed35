// Live pages: which cards and card types changed, known in every web process
// without a query per open page. One LISTEN connection per process hears the
// `orbis_live` notices the database's triggers send at each commit
// (migration 0910); a page polls its card's or type's mark and fetches the
// page again only when the mark moved.
//
// What MUST hold, and why:
// - A mark is the notice's sequence value, so every process that heard the
//   same notices answers the same mark (notices reach every listener in
//   commit order): a page whose polls land on one process after another
//   sees no change that did not happen.
// - What a process did not hear it does not guess: before it listens, or
//   after its connection dropped (it forgets everything and listens again),
//   a card it has no notice of has the mark null, which a page ignores.
// - Reading is decided on each poll, from the card's owner, assignee, type
//   and deletion kept here and dropped at once by the card's next notice: a
//   user who may not read the card gets the same 404 as for no card.
// - A poll is answered without the session's statement only for a session
//   whose user a full request of this process found (kept 60 s at most), and
//   every ended session, changed user or changed role assignment anywhere
//   makes every process forget them all (their notice, migration 0910).
import type pg from 'pg';
import { rawClient, type Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import type { SessionUser } from '#app/services/users';

export const LIVE_CHANNEL = 'orbis_live';

export interface LiveCard {
  id: number;
  type: string;
  owner_id: number;
  assignee_id: number | null;
  deleted_at: Date | null;
  version: number;
}

interface Notice {
  s: string;
  t?: string;
  m?: string;
  c?: number[] | null;
  who?: boolean;
}

/** How long a poll may be answered for a session without reading it again. */
const SESSION_KEEP_MS = 60_000;

/** At most this many cards' marks and rows are kept; the oldest go first (a forgotten mark is null). */
const KEEP = 50_000;

export class LiveMarks {
  private readonly cards = new Map<number, { m: string; t: string }>();
  /** A type-wide notice's mark (bulk work: which cards is not said) counts for every card of the type without a later one. */
  private readonly typeWide = new Map<string, string>();
  private readonly types = new Map<string, string>();
  private readonly rows = new Map<number, LiveCard>();
  private readonly sessions = new Map<string, { user: SessionUser; until: number }>();
  private client: pg.Client | null = null;
  private starting: Promise<void> | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  /** Notices heard. */
  heard = 0;
  /** Polls answered from memory, without a statement (the fast path counts them). */
  fromMemory = 0;

  constructor(
    private readonly db: Database,
    private readonly log?: Logger,
  ) {}

  /** Starts listening (once; the first live page of a process does it). Resolves when LISTEN is in place. */
  listen(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.starting ??= this.connect().catch((err: unknown) => {
      this.log?.warn({ err }, 'live: could not listen; pages are not live until it can');
      this.again();
    });
    return this.starting;
  }

  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    const client = rawClient(this.db);
    client.on('error', (err) => {
      this.log?.warn({ err }, 'live: the listening connection failed; listening again');
      this.drop(client);
    });
    client.on('end', () => this.drop(client));
    client.on('notification', (n) => {
      if (n.channel === LIVE_CHANNEL && n.payload) this.hear(n.payload);
    });
    await client.connect();
    await client.query(`listen ${LIVE_CHANNEL}`);
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  /** A lost connection: what was heard may have gaps, so all of it is forgotten; listen again shortly. */
  private drop(client: pg.Client): void {
    if (this.client === client) this.client = null;
    this.forget();
    this.again();
  }

  private again(): void {
    if (this.closed || this.retry) return;
    this.starting = null;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.listen();
    }, 1000);
    this.retry.unref();
  }

  private forget(): void {
    this.cards.clear();
    this.types.clear();
    this.typeWide.clear();
    this.rows.clear();
    this.sessions.clear();
  }

  private hear(payload: string): void {
    let n: Notice;
    try {
      n = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    if (n.s !== this.db.schema) return;
    this.heard++;
    if (n.who) {
      this.sessions.clear();
      return;
    }
    if (!n.t || !n.m) return;
    this.types.set(n.t, n.m);
    if (n.c) {
      for (const id of n.c) {
        this.cards.delete(id);
        this.cards.set(id, { m: n.m, t: n.t! });
        this.rows.delete(id);
      }
      while (this.cards.size > KEEP) this.cards.delete(this.cards.keys().next().value!);
    } else {
      // Many cards of the type changed at once: each of them has moved, which one is not known.
      for (const [id, row] of this.rows) if (row.type === n.t) this.rows.delete(id);
      for (const [id, c] of this.cards) if (c.t === n.t) this.cards.delete(id);
      this.typeWide.set(n.t, n.m);
    }
  }

  /** The card's mark (null: nothing heard of it since this process listens). */
  cardMark(id: number, type: string): string | null {
    return this.cards.get(id)?.m ?? this.typeWide.get(type) ?? null;
  }

  /** The type's mark: the last change to any of its cards (null: none heard). */
  typeMark(type: string): string | null {
    return this.types.get(type) ?? null;
  }

  /** The card's row if kept (no statement): the polls' fast path. */
  keptCard(id: number): LiveCard | null {
    return this.rows.get(id) ?? null;
  }

  /** The card's row for the read check: kept until its next notice, read once otherwise. */
  async card(id: number): Promise<LiveCard | null> {
    const kept = this.rows.get(id);
    if (kept) return kept;
    const heard = this.heard;
    const [row] = await this.db.rows<LiveCard>('select id, type, owner_id, assignee_id, deleted_at, version from cards where id = $1', [
      id,
    ]);
    if (!row) return null;
    // Kept only while listening and when no notice came meanwhile: otherwise it may be old already.
    if (this.client && heard === this.heard) {
      this.rows.set(id, row);
      while (this.rows.size > KEEP) this.rows.delete(this.rows.keys().next().value!);
    }
    return row;
  }

  /** The signed-in user of session `sid` as a full request of this process found it (kept while listening). */
  rememberSession(sid: string, user: SessionUser): void {
    if (!this.client) return;
    if (this.sessions.size >= KEEP) this.sessions.clear();
    this.sessions.set(sid, { user, until: Date.now() + SESSION_KEEP_MS });
  }

  /** The user of session `sid`, if a full request found it lately and nothing about sessions or users changed since. */
  sessionUser(sid: string): SessionUser | null {
    const hit = this.sessions.get(sid);
    if (!hit || !this.client) return null;
    if (hit.until < Date.now()) {
      this.sessions.delete(sid);
      return null;
    }
    return hit.user;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}
