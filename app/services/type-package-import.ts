// `./manage.ts types import DIR [--dry-run]`: applies a package written by
// `types export` (app/services/type-packages.ts) to this installation.
//
// What MUST hold:
// - All or nothing: every file is read and the whole set checked first (the
//   checks of a file at start, and the roles named must exist here or come
//   in roles.yaml); then the missing roles and one new version per changed
//   type are saved in one transaction, each through the store's save (the
//   safety rules of the designer: app/services/card-type-changes.ts). Any
//   refusal names the file, the element and the reason, and nothing stays.
// - A type saved by an import takes the package's rights: the rights set at
//   /admin/roles on that type are dropped in the same transaction (the
//   export wrote the rights in force, so they are in the package).
// - A type equal to what an export would write is "unchanged": no version.
// - A dry run goes through the same steps, saves with the store's dry run,
//   and rolls the transaction back: nothing stays.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { diffDefinitions, type DiffLine, type TypeImpact } from '#app/services/card-type-changes';
import { rolesNamedBy } from '#app/services/card-type-roles';
import { buildCardTypes, CardTypeError, readCardTypeFiles, type CardType, type CardTypeSource } from '#app/services/card-types';
import { ConflictError, ValidationError } from '#app/services/errors';
import { ROLES_CHANNEL } from '#app/services/roles';
import { exportedForm, PACKAGE_FILE, PackageError, ROLES_FILE, type PackageDeps } from '#app/services/type-packages';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const ROLE_NAME = /^[a-z][a-z0-9_-]{0,59}$/;

export interface ImportOptions {
  dryRun: boolean;
  /** `TYPE.STAGE=TARGET`: where the cards of a removed stage go. */
  moves: string[];
  comment?: string;
}

export interface TypeOutcome {
  file: string;
  name: string;
  status: 'new' | 'changed' | 'unchanged';
  /** The version in use before the import (0: none), and the one saved (or that would be). */
  from: number;
  version: number;
  diff: DiffLine[];
  impact: TypeImpact | null;
  moves: Record<string, string>;
  moveJob: number | null;
}

export interface ImportSummary {
  types: TypeOutcome[];
  rolesCreated: string[];
  /** Roles of roles.yaml that exist here with another label or description (kept as they are here). */
  rolesDiffering: string[];
  dryRun: boolean;
}

interface PackageRole {
  name: string;
  label: string;
  description: string;
}

function readYaml(dir: string, file: string): unknown {
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) return undefined;
  try {
    return YAML.parse(fs.readFileSync(full, 'utf8')) as unknown;
  } catch (err) {
    throw new PackageError(`${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function readRoles(dir: string): PackageRole[] {
  const raw = readYaml(dir, ROLES_FILE);
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new PackageError(`${ROLES_FILE}: must be a list of roles (name, label, description)`);
  const seen = new Set<string>();
  return raw.map((r: unknown, i) => {
    const at = `${ROLES_FILE}: role ${isObj(r) && typeof r.name === 'string' ? r.name : `#${i + 1}`}`;
    if (!isObj(r) || typeof r.name !== 'string' || !ROLE_NAME.test(r.name))
      throw new PackageError(`${at}: name must be lower case (a-z, 0-9, _ and -)`);
    if (seen.has(r.name)) throw new PackageError(`${at}: listed twice`);
    seen.add(r.name);
    const extra = Object.keys(r).find((k) => !['name', 'label', 'description'].includes(k));
    if (extra) throw new PackageError(`${at}: unknown key ${JSON.stringify(extra)}`);
    if (typeof r.label !== 'string' || !r.label.trim() || r.label.length > 100)
      throw new PackageError(`${at}: label must be a text of 1 to 100 characters`);
    const description = r.description ?? '';
    if (typeof description !== 'string' || description.length > 1000)
      throw new PackageError(`${at}: description must be a text of at most 1000 characters`);
    return { name: r.name, label: r.label, description };
  });
}

function parseMoves(given: string[], names: Set<string>): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const m of given) {
    const hit = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)=([a-z][a-z0-9_]*)$/.exec(m.trim());
    if (!hit) throw new PackageError(`--move ${m}: expected TYPE.STAGE=TARGET (e.g. complaint.investigating=resolved)`);
    const [, type, stage, target] = hit;
    if (!names.has(type)) throw new PackageError(`--move ${m}: the package has no card type ${type}`);
    out.set(type, { ...out.get(type), [stage]: target });
  }
  return out;
}

/** "complaint.yaml: card type complaint: stage x: holds 3 card(s)…", from a refusal of the store. */
function refusal(file: string, name: string, err: unknown): PackageError | unknown {
  if (err instanceof ConflictError)
    return new PackageError(`${file}: card type ${name}: another version was saved meanwhile; run the import again`);
  if (!(err instanceof ValidationError)) return err;
  const [where, why] = Object.entries(err.fields)[0] ?? ['definition', err.message];
  const hint = where.startsWith('stage ') && /choose the stage/.test(why) ? ` (--move ${name}.${where.slice(6)}=STAGE)` : '';
  return new PackageError(`${file}: card type ${name}: ${where}: ${why}${hint}`);
}

class DryRunDone extends Error {}

export async function importPackage(deps: PackageDeps, dir: string, options: ImportOptions): Promise<ImportSummary> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new PackageError(`${dir}: no such folder`);
  }
  if (!stat.isDirectory()) throw new PackageError(`${dir}: not a folder`);
  if (!deps.store.inDatabase) throw new PackageError('the card types are not in the database yet: run ./manage.ts db upgrade first');
  const roles = readRoles(dir);
  const about = readYaml(dir, PACKAGE_FILE);
  let files: CardTypeSource[];
  try {
    files = readCardTypeFiles(dir).filter((f) => f.file !== ROLES_FILE && f.file !== PACKAGE_FILE);
  } catch (err) {
    throw err instanceof CardTypeError ? new PackageError(err.message.replace(/^.*\/([^/:]+\.ya?ml): /, '$1: ')) : err;
  }
  if (!files.length) throw new PackageError(`${dir}: no card type files (*.yaml) in it`);

  // The whole set as it will be: the stored types, each replaced by the package's.
  const named = new Set(files.map((f) => (isObj(f.raw) ? f.raw.name : undefined)));
  const stored: CardTypeSource[] = [];
  for (const t of deps.types.all)
    if (!named.has(t.name)) stored.push({ file: `${t.name} (stored)`, raw: (await deps.store.version(t.name)).definition });
  let built: CardType[];
  try {
    built = buildCardTypes([...stored, ...files], deps.defaultLocale);
  } catch (err) {
    throw err instanceof CardTypeError ? new PackageError(err.message) : err;
  }
  const existing = new Set((await deps.roles.list()).map((r) => r.name));
  const coming = new Set(roles.map((r) => r.name));
  const moves = parseMoves(options.moves, new Set(built.filter((t) => files.some((f) => f.file === t.file)).map((t) => t.name)));

  const plans: (TypeOutcome & { raw: Raw })[] = [];
  for (const f of files) {
    const type = built.find((t) => t.file === f.file)!;
    const unknown = rolesNamedBy({ all: [type] }).filter((r) => !existing.has(r) && !coming.has(r));
    if (unknown.length)
      throw new PackageError(
        `${f.file}: card type ${type.name}: roles: no such role: ${unknown.join(', ')} (not here, nor in ${ROLES_FILE})`,
      );
    const inUse = deps.types.get(type.name);
    for (const stage of Object.keys(moves.get(type.name) ?? {}))
      if (!inUse?.stageMap.has(stage) || type.stageMap.has(stage))
        throw new PackageError(`--move ${type.name}.${stage}: the package does not remove a stage ${stage} of ${type.name} here`);
    const current = inUse && deps.store.versionOf(type.name) ? await exportedForm(deps, inUse) : null;
    const raw = f.raw as Raw;
    const same = current && JSON.stringify(current.definition) === JSON.stringify(raw);
    const status = !current ? 'new' : same ? 'unchanged' : 'changed';
    const diff = current && !same ? diffDefinitions(current.definition, raw) : [];
    const from = current?.version ?? 0;
    plans.push({
      file: f.file,
      name: type.name,
      status,
      from,
      version: from,
      diff,
      impact: null,
      moves: moves.get(type.name) ?? {},
      moveJob: null,
      raw,
    });
  }

  const comment =
    options.comment?.trim() ||
    `types import of the package ${path.basename(path.resolve(dir))}` +
      (isObj(about) && isObj(about.source) ? ` (exported ${String(about.exported_at)} from ${Object.values(about.source).join(' ')})` : '');
  const saving = plans.filter((p) => p.status !== 'unchanged');
  const rolesCreated: string[] = [];
  try {
    await deps.db.transaction(async (t) => {
      for (const r of roles.filter((x) => !existing.has(x.name))) {
        await deps.db.exec(
          'insert into roles (name, label, description) values ($1, $2, $3)',
          [r.name, r.label.trim(), r.description.trim()],
          t,
        );
        rolesCreated.push(r.name);
      }
      if (rolesCreated.length) await deps.db.exec(`select pg_notify('${ROLES_CHANNEL}', $1)`, [rolesCreated.join(',')], t);
      for (const p of saving) {
        try {
          const r = await deps.store.save(p.raw, {
            expected: p.status === 'new' ? null : p.from,
            comment,
            moves: p.moves,
            source: 'import',
            transaction: t,
            alongside: saving.filter((o) => o !== p).map((o) => o.raw),
            resetRights: true,
            dryRun: options.dryRun,
          });
          Object.assign(p, { version: r.version, impact: r.impact, moveJob: r.moveJob });
        } catch (err) {
          throw refusal(p.file, p.name, err);
        }
      }
      if (options.dryRun) throw new DryRunDone();
    });
  } catch (err) {
    if (!(err instanceof DryRunDone)) throw err;
  }
  if (!options.dryRun && (saving.length || rolesCreated.length)) await deps.store.load();
  const here = new Map((await deps.roles.list()).map((r) => [r.name, r]));
  const rolesDiffering = roles
    .filter((r) => existing.has(r.name) && (here.get(r.name)?.label !== r.label || here.get(r.name)?.description !== r.description))
    .map((r) => r.name);
  return { types: plans.map(({ raw: _raw, ...rest }) => rest), rolesCreated, rolesDiffering, dryRun: options.dryRun };
}
