// Folder import (a scanner's drop folder): every new file under DIR becomes a
// card of the chosen type with the file attached, or — when its name starts
// with a card number (PR-000123.jpg, PR-000123_receipt.jpg) — an attachment
// of that card. The import log (media_imports) remembers each imported hash
// per folder, so a second run skips what it already took and reports logged
// files that have vanished from the folder.
//
// What MUST hold:
// - a file is imported all or nothing: the card (when new), the media row,
//   its images.process job and the log row commit in ONE transaction; a file
//   refused (bad type, too large, hostile) or naming an unknown card leaves no
//   row and no stored byte, is reported with the reason, and the import goes
//   on with the next file;
// - the source files are only read, never moved or deleted;
// - refused and unknown-card files are not logged, so every run reports them
//   again until someone removes them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { msg } from '#app/i18n/message';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import type { Card } from '#app/services/cards';
import { parseCardForm, TITLE_MAX, type FormInput } from '#app/services/card-fields';
import type { CardType } from '#app/services/card-types';
import { ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { detectFile, RefusedFileError } from '#app/services/images';
import type { ReceivedFile } from '#app/services/media';
import { can } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

/** What a folder import uses of the application: the database and these services (an AppContext serves). */
export interface ImportDeps {
  db: Database;
  services: Pick<Services, 'cards' | 'users' | 'media'>;
}

/** A mistake in what the caller asked for (one line for the user). */
export class FolderImportError extends Error {
  override name = 'FolderImportError';
}

export type Outcome =
  | { kind: 'created'; path: string; card: string }
  | { kind: 'attached'; path: string; card: string }
  | { kind: 'skipped'; path: string }
  | { kind: 'refused'; path: string; reason: string }
  | { kind: 'vanished'; path: string };

export interface ImportSummary {
  created: number;
  attached: number;
  skipped: number;
  refused: number;
  vanished: number;
}

export interface ImportOptions {
  /** The card type of new cards. */
  type: string;
  /** Values of the type's fields for new cards (FIELD → raw form value), checked like the card form. */
  fields?: Record<string, string>;
  /** Email of the user who owns new cards and attaches; default: the first active superuser. */
  owner?: string | null;
}

export interface ImportHooks {
  /** Called once, when the number of files is known. */
  start?(total: number): void;
  /** Called per file (and per vanished file). */
  outcome?(o: Outcome): void;
}

/** Everything decided before any file is read: the folder, the type, the owner, the field values. */
export interface ImportPlan {
  folder: string;
  type: CardType;
  owner: SessionUser;
  input: FormInput;
}

/** Checks the arguments; throws FolderImportError with one line. */
export async function planImport(ctx: ImportDeps, dir: string, options: ImportOptions): Promise<ImportPlan> {
  const st = await fs.promises.stat(dir).catch(() => null);
  if (!st) throw new FolderImportError(`the folder ${dir} does not exist`);
  if (!st.isDirectory()) throw new FolderImportError(`${dir} is not a folder`);
  const folder = await fs.promises.realpath(dir);
  const type = ctx.services.cards.types.get(options.type);
  if (!type)
    throw new FolderImportError(
      `unknown card type "${options.type}" (known: ${ctx.services.cards.types.all.map((t) => t.name).join(', ')})`,
    );

  const owner = await ownerOf(ctx, options.owner ?? null);
  if (!can(owner, type, 'create')) throw new FolderImportError(`${owner.email} may not create ${type.plural.toLowerCase()}`);

  const fields = options.fields ?? {};
  for (const name of Object.keys(fields)) {
    const f = type.fieldMap.get(name);
    if (!f || fieldType(f).holdsFiles) throw new FolderImportError(`${type.name} has no field "${name}" that --set can fill`);
  }
  // The title comes from each file's name; every other required field must be given.
  const missing = type.fields.filter((f) => f.required && !fieldType(f).holdsFiles && !(fields[f.name] ?? '').trim()).map((f) => f.name);
  if (missing.length)
    throw new FolderImportError(`${type.name} has required fields with no value: ${missing.join(', ')} (give them with --set FIELD=VALUE)`);
  const input: FormInput = { ...fields, title: 'check' };
  const parsed = parseCardForm(type, input, owner.timeZone);
  const errors = Object.entries(parsed.errors);
  if (errors.length) throw new FolderImportError(errors.map(([k, v]) => `--set ${k}: ${v}`).join('; '));
  return { folder, type, owner, input: fields };
}

async function ownerOf(ctx: ImportDeps, email: string | null): Promise<SessionUser> {
  const [row] = email
    ? await ctx.db.rows<{ id: number }>('select id from users where lower(email) = lower($1) and is_active', [email])
    : await ctx.db.rows<{ id: number }>('select id from users where is_superuser and is_active order by id limit 1');
  const user = row ? await ctx.services.users.sessionUser(row.id) : null;
  if (!user)
    throw new FolderImportError(
      email
        ? `no active user with the email ${email}`
        : 'no active superuser to own the new cards: create one with ./manage.ts create-superuser EMAIL, or pass --owner EMAIL',
    );
  return user;
}

/** Regular files under `folder` (relative, '/'-separated, sorted); hidden names are left alone. */
async function listFiles(folder: string): Promise<{ files: string[]; others: string[] }> {
  const files: string[] = [];
  const others: string[] = [];
  for (const entry of await fs.promises.readdir(folder, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (rel.split('/').some((part) => part.startsWith('.'))) continue;
    if (entry.isFile()) files.push(rel);
    else if (!entry.isDirectory()) others.push(rel);
  }
  return { files: files.sort(), others: others.sort() };
}

/** A title from a file name: no extension, separators as spaces. */
export function titleFromName(name: string): string {
  const base = path.posix.basename(name).replace(/\.[^.]*$/, '');
  const title = base
    .replace(/[_\s]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, TITLE_MAX);
  return title || path.posix.basename(name).slice(0, TITLE_MAX);
}

/** The card number a file name starts with (a known type's prefix, a dash, six or more digits), or null. */
export function cardNumberOf(name: string, prefixes: readonly string[]): string | null {
  const base = path.posix.basename(name);
  for (const p of prefixes) {
    const m = new RegExp(`^${p.replace(/[^A-Za-z0-9]/g, '\\$&')}-(\\d{6,})(?![0-9])`).exec(base);
    if (m) return `${p}-${m[1]}`;
  }
  return null;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { name?: string; parent?: { code?: string }; code?: string };
  return e?.name === 'SequelizeUniqueConstraintError' || e?.parent?.code === '23505' || e?.code === '23505';
}

/** Copies a source file into MEDIA_ROOT/tmp, hashing the copy (the bytes stored are the bytes hashed). */
async function receive(ctx: ImportDeps, abs: string, rel: string): Promise<ReceivedFile> {
  const media = ctx.services.media;
  const tempFile = await media.files.tempPath();
  const hash = crypto.createHash('sha256');
  let size = 0;
  const limit = media.maxBytes;
  let truncated = false;
  try {
    await pipeline(
      fs.createReadStream(abs),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > limit) {
            truncated = true;
            return;
          }
          hash.update(chunk);
          yield chunk;
        }
      },
      fs.createWriteStream(tempFile, { flags: 'wx' }),
    );
  } catch (err) {
    await fs.promises.rm(tempFile, { force: true });
    throw err;
  }
  return { tempFile, name: path.posix.basename(rel), size, sha256: hash.digest('hex'), truncated };
}

export async function importFolder(ctx: ImportDeps, plan: ImportPlan, hooks: ImportHooks = {}): Promise<ImportSummary> {
  const { db, services } = ctx;
  const { folder, type, owner } = plan;
  const summary: ImportSummary = { created: 0, attached: 0, skipped: 0, refused: 0, vanished: 0 };
  const report = (o: Outcome) => {
    summary[o.kind]++;
    hooks.outcome?.(o);
  };
  const { files, others } = await listFiles(folder);
  hooks.start?.(files.length + others.length);
  for (const rel of others) report({ kind: 'refused', path: rel, reason: 'not a regular file (a link or a device)' });

  const prefixes = services.cards.types.all.map((t) => t.prefix).sort((a, b) => b.length - a.length);
  const present = new Set(files);
  for (const rel of files) {
    const abs = path.join(folder, rel);
    let received: ReceivedFile | null = null;
    try {
      const st = await fs.promises.stat(abs);
      if (st.size > services.media.maxBytes)
        throw new RefusedFileError(msg('attachments.refused.tooLarge', { mb: services.media.settings.media.maxUploadMB }));
      received = await receive(ctx, abs, rel);
      if (received.truncated)
        throw new RefusedFileError(msg('attachments.refused.tooLarge', { mb: services.media.settings.media.maxUploadMB }));

      // Same bytes imported from this folder before: skipped. A logged path
      // that no longer exists takes the new one (the file was moved, not lost).
      const [logged] = await db.rows<{ id: number; path: string }>('select id, path from media_imports where folder = $1 and sha256 = $2', [
        folder,
        received.sha256,
      ]);
      if (logged) {
        if (logged.path !== rel && !present.has(logged.path))
          await db.exec('update media_imports set path = $2, vanished_at = null where id = $1', [logged.id, rel]);
        report({ kind: 'skipped', path: rel });
        continue;
      }

      const detected = await detectFile(received.tempFile, received.size, services.media.settings.media.maxPixels);
      const number = cardNumberOf(rel, prefixes);
      let target: Card | null = null;
      if (number) {
        const [row] = await db.rows<{ id: number; type: string }>('select id, type from cards where number = $1 and deleted_at is null', [
          number,
        ]);
        if (!row) throw new RefusedFileError(msg('attachments.refused.noCard', { number }));
        target = await services.media.uploadTarget(owner, row.type, row.id, null);
      }

      const stored: string[] = [];
      const file = received;
      try {
        const card = await db.transaction(async (t) => {
          const card =
            target ?? (await services.cards.create(owner, type.name, { ...plan.input, title: titleFromName(rel) }, { transaction: t }));
          const m = await services.media.store(t, card, null, owner.id, file, detected, stored);
          await services.media.recordAdded(t, card, owner.id, [m]);
          await db.exec(
            'insert into media_imports (folder, path, sha256, media_id) values ($1, $2, $3, $4)',
            [folder, rel, file.sha256, m.id],
            t,
          );
          return card;
        });
        received = null; // moved to its content address (or removed as a duplicate)
        report({ kind: target ? 'attached' : 'created', path: rel, card: card.number });
      } catch (err) {
        await services.media.forgetStored(stored);
        throw err;
      }
    } catch (err) {
      if (err instanceof RefusedFileError) report({ kind: 'refused', path: rel, reason: err.message });
      else if (err instanceof ValidationError)
        report({
          kind: 'refused',
          path: rel,
          reason: [err.message, ...Object.entries(err.fields ?? {}).map(([k, v]) => `${k}: ${v}`)].join(' '),
        });
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        report({ kind: 'refused', path: rel, reason: 'the file disappeared while it was being read' });
      else if (err instanceof ForbiddenError || err instanceof NotFoundError) report({ kind: 'refused', path: rel, reason: err.message });
      else if (isUniqueViolation(err))
        report({ kind: 'skipped', path: rel }); // a concurrent import of the same folder took it first
      else throw err;
    } finally {
      if (received) await fs.promises.rm(received.tempFile, { force: true });
    }
  }

  // Logged files of this folder that are gone: reported once (vanished_at set).
  const logged = await db.rows<{ id: number; path: string }>(
    'select id, path from media_imports where folder = $1 and vanished_at is null order by path',
    [folder],
  );
  const gone = logged.filter((r) => !present.has(r.path));
  if (gone.length) await db.exec('update media_imports set vanished_at = now() where id = any($1::bigint[])', [gone.map((r) => r.id)]);
  for (const r of gone) report({ kind: 'vanished', path: r.path });
  return summary;
}
