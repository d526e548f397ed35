// The request log's spool: every entry a web process takes is also appended
// to a local file before it waits in memory for the broker, so a process
// killed with entries in memory (kill -9, OOM; 122 answered requests were
// lost so) leaves them on disk, and the next start on this machine sends
// them. Writes go to the page cache (no fsync): they survive the process,
// not the machine.
//
// Layout: var/requestlog/PREFIX/HOST~PID~RANDOM/ holds one process's
// segments, files named after the sequence number of their first entry.
// A line is an entry (JSON object) or an ack `{"ack":N}`: entries 0..N-1 are
// with the broker. Batches are confirmed in order, so what is confirmed is
// always a prefix and one number says it.
//
// What MUST hold:
// - append() writes the line before add() returns (one write call: a kill
//   cannot cut it); a failing disk turns the spool off with one error line,
//   the buffer keeps working in memory.
// - A folder is replayed only when its process is gone (or it is ours and
//   not in use); taking it is a rename, so two starting processes never
//   replay the same folder. A replay may resend entries already stored
//   (an ack not written before a kill): the INSERT skips them (0231).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '#app/log';
import type { RequestLogEntry } from '#app/services/request-log-entry';

const SEGMENT_BYTES = 4 * 1024 * 1024;
/** Folders of this Node process in use (several contexts may share a pid: tests, runserver). */
const inUse = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const folderName = (pid: number) => `${os.hostname()}~${pid}~${crypto.randomBytes(6).toString('hex')}`;
const segmentName = (seq: number) => `${String(seq).padStart(15, '0')}.jsonl`;

export class RequestLogSpool {
  readonly dir: string;
  private fd: number | null = null;
  private segments: Array<{ start: number; file: string }> = [];
  private bytes = 0;
  private next = 0;
  private confirmedUpTo = 0;
  private broken = false;

  constructor(
    private readonly root: string,
    private readonly log: Logger,
  ) {
    this.dir = path.join(root, folderName(process.pid));
    inUse.add(this.dir);
  }

  get active(): boolean {
    return !this.broken;
  }

  append(entry: RequestLogEntry): void {
    if (this.broken) return;
    this.write(JSON.stringify(entry) + '\n', true);
    this.next++;
  }

  /** `count` more entries (the oldest unconfirmed) are with the broker. */
  confirmed(count: number): void {
    if (this.broken || !count) return;
    this.confirmedUpTo += count;
    this.write(`{"ack":${this.confirmedUpTo}}\n`, false);
    // Segments wholly confirmed are not needed any more.
    while (this.segments.length > 1 && this.segments[1].start <= this.confirmedUpTo) {
      fs.rmSync(this.segments.shift()!.file, { force: true });
    }
  }

  /** Removes the folder when everything was confirmed; else keeps it for the next start. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    if (this.confirmedUpTo === this.next) fs.rmSync(this.dir, { recursive: true, force: true });
    inUse.delete(this.dir);
  }

  private write(line: string, isEntry: boolean): void {
    try {
      if (this.fd === null || (isEntry && this.bytes >= SEGMENT_BYTES)) {
        if (this.fd !== null) fs.closeSync(this.fd);
        fs.mkdirSync(this.dir, { recursive: true });
        const file = path.join(this.dir, segmentName(this.next));
        this.fd = fs.openSync(file, 'a');
        this.segments.push({ start: this.next, file });
        this.bytes = 0;
      }
      this.bytes += fs.writeSync(this.fd, line);
    } catch (err) {
      this.broken = true;
      this.log.error(
        { error: (err as Error).message, dir: this.dir },
        'request log: the spool cannot be written; entries are held in memory only until the broker takes them',
      );
    }
  }

  /**
   * Sends what stopped processes of this machine left unconfirmed, one
   * folder at a time, through `publish` (batches of `batchSize`). Returns the
   * number of entries sent; a folder whose publish fails stays for the next try.
   */
  static async recover(
    root: string,
    batchSize: number,
    publish: (batch: RequestLogEntry[]) => Promise<void>,
    log: Logger,
  ): Promise<number> {
    let names: string[];
    try {
      names = fs.readdirSync(root);
    } catch {
      return 0; // nothing spooled yet
    }
    let sent = 0;
    for (const name of names) {
      const [host, pid] = name.split('~');
      const from = path.join(root, name);
      if (host !== os.hostname() || inUse.has(from)) continue;
      if (Number(pid) !== process.pid && alive(Number(pid))) continue;
      const mine = path.join(root, folderName(process.pid));
      try {
        fs.renameSync(from, mine); // taken: another process renaming it gets ENOENT
      } catch {
        continue;
      }
      inUse.add(mine);
      try {
        const { entries, unreadable } = readUnconfirmed(mine);
        for (let i = 0; i < entries.length; i += batchSize) await publish(entries.slice(i, i + batchSize));
        fs.rmSync(mine, { recursive: true, force: true });
        sent += entries.length;
        if (entries.length || unreadable) {
          log.warn(
            { recovered: entries.length, unreadable, pid: Number(pid) },
            `request log: sent ${entries.length} request(s) that stopped process ${pid} had answered but not handed to the broker`,
          );
        }
      } finally {
        inUse.delete(mine);
      }
    }
    return sent;
  }
}

function readUnconfirmed(dir: string): { entries: RequestLogEntry[]; unreadable: number } {
  let acked = 0;
  let unreadable = 0;
  const all: Array<{ seq: number; entry: RequestLogEntry }> = [];
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()) {
    let seq = Number(file.slice(0, -'.jsonl'.length));
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const v = JSON.parse(line) as RequestLogEntry | { ack: number };
        if ('ack' in v) acked = Math.max(acked, v.ack);
        else all.push({ seq: seq++, entry: v });
      } catch {
        unreadable++; // a machine crash may cut the last line
      }
    }
  }
  return { entries: all.filter((e) => e.seq >= acked).map((e) => e.entry), unreadable };
}
