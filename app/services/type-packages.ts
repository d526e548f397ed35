// Content packages between environments (issue 17 item 7): `./manage.ts
// types export DIR` writes the card types of an installation as YAML, and
// `types import DIR` (app/services/type-package-import.ts) applies such a
// folder to another, as one new version per changed type.
//
// A package folder holds:
// - <type>.yaml: the latest version of each type, the format of
//   conf/cardtypes/ (the stored definition as it was written, keys in order),
//   except that `permissions:` are the rights in force: the type's own plus
//   those set per role at /admin/roles (role_permissions), so they travel;
// - roles.yaml: every role (name, label, description), by name;
// - package.yaml: when and where it was exported, and each type's version.
//
// What MUST hold: export → import into another installation → export gives
// the same type files and roles.yaml (package.yaml differs only in its time
// and source).
import { draftText } from '#app/services/card-type-draft';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Database } from '#app/db/connection';
import { ACTIONS, type CardType, type CardTypes } from '#app/services/card-types';
import type { CardTypeStore } from '#app/services/card-type-store';
import type { RoleService } from '#app/services/roles';

export const ROLES_FILE = 'roles.yaml';
export const PACKAGE_FILE = 'package.yaml';

/** What the package commands use of an installation. */
export interface PackageDeps {
  db: Database;
  store: CardTypeStore;
  types: CardTypes;
  roles: RoleService;
  /** The language a type's labels fall back to (setting i18n.defaultLocale). */
  defaultLocale: string;
}

/** A package that cannot be written or applied: one line naming the file, the element and the reason. */
export class PackageError extends Error {
  override name = 'PackageError';
}

type Raw = Record<string, unknown>;
type Rights = CardType['permissions'];

const sameRights = (a: Rights[string] | undefined, b: Rights[string]) => !!a && ACTIONS.every((x) => a[x] === b[x]);

/**
 * The stored definition with the rights in force: a role whose rights are as
 * declared keeps its entry as written; one changed (or added) at
 * /admin/roles is written whole, every action in order.
 */
export function withRightsInForce(definition: Raw, declared: Rights, inForce: Rights): Raw {
  const written = (definition.permissions ?? {}) as Record<string, unknown>;
  const order = [
    ...Object.keys(written).filter((r) => Object.hasOwn(inForce, r)),
    ...Object.keys(inForce)
      .filter((r) => !Object.hasOwn(written, r))
      .sort(),
  ];
  const permissions: Record<string, unknown> = {};
  for (const role of order) {
    const now = inForce[role];
    if (Object.hasOwn(written, role) && sameRights(Object.hasOwn(declared, role) ? declared[role] : undefined, now))
      permissions[role] = written[role];
    else permissions[role] = Object.fromEntries(ACTIONS.map((a) => [a, now[a]]));
  }
  return { ...definition, permissions };
}

/** The latest version of a type as a package writes it (rights in force). */
export async function exportedForm(deps: PackageDeps, type: CardType): Promise<{ version: number; definition: Raw }> {
  const v = await deps.store.version(type.name);
  return { version: v.version, definition: withRightsInForce(v.definition, deps.types.declared(type.name), type.permissions) };
}

export const typeFileName = (name: string) => `${name}.yaml`;
export const toYaml = (value: unknown) => YAML.stringify(value);

export interface ExportSummary {
  dir: string;
  types: { name: string; version: number; file: string }[];
  roles: number;
}

/** Writes the package into `dir` (made if missing); refuses a folder holding other YAML files (they would be imported with it). */
export async function exportPackage(deps: PackageDeps, dir: string, source: { installation: string }): Promise<ExportSummary> {
  if (!deps.store.inDatabase) throw new PackageError('the card types are not in the database yet: run ./manage.ts db upgrade first');
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new PackageError(`${dir}: not a folder`);
  const types = [...deps.types.all].sort((a, b) => a.name.localeCompare(b.name));
  const clash = types.find((t) => [ROLES_FILE, PACKAGE_FILE].includes(typeFileName(t.name)));
  if (clash)
    throw new PackageError(`card type ${clash.name}: its file would be ${typeFileName(clash.name)}, which a package keeps for itself`);
  const ours = new Set([ROLES_FILE, PACKAGE_FILE, ...types.map((t) => typeFileName(t.name))]);
  const others = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !ours.has(f)) : [];
  if (others.length)
    throw new PackageError(`${dir}: holds ${others.join(', ')}, not part of this export (an import would read it): use an empty folder`);
  const files: [string, string][] = [];
  const listed: ExportSummary['types'] = [];
  for (const type of types) {
    const { version, definition } = await exportedForm(deps, type);
    // Written as conf/cardtypes/ is: short mappings on one line (the designer's text).
    files.push([typeFileName(type.name), draftText(definition)]);
    listed.push({ name: type.name, version, file: typeFileName(type.name) });
  }
  const roles = (await deps.roles.list()).map((r) => ({ name: r.name, label: r.label, description: r.description }));
  files.push([ROLES_FILE, toYaml(roles.sort((a, b) => a.name.localeCompare(b.name)))]);
  const [where] = await deps.db.rows<{ database: string; schema: string }>(
    'select current_database() as database, current_schema() as schema',
  );
  const about = {
    format: 1,
    exported_at: new Date().toISOString(),
    source: { installation: source.installation, ...where },
    types: listed,
  };
  files.push([PACKAGE_FILE, toYaml(about)]);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);
  return { dir, types: listed, roles: roles.length };
}
