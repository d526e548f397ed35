// Where settings come from, in order: conf/defaults.yaml, conf/local.yaml
// (only keys the defaults know), the environment variables of ENV_MAP, then
// a test's overrides; and the dotted-path reads over the merged tree.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { SettingsError } from '#app/config/settings';

export type Env = Record<string, string | undefined>;
export type Tree = Record<string, unknown>;

/** Environment variables and the settings they set (they win over conf/*.yaml). */
const ENV_MAP: ReadonlyArray<[string, string]> = [
  ['DATABASE_URL', 'database.url'],
  ['DATABASE_SCHEMA', 'database.schema'],
  ['AMQP_URL', 'broker.url'],
  ['MEMCACHED_SERVERS', 'cache.servers'],
  ['SMTP_URL', 'mail.url'],
  ['SECRET_KEY', 'secretKey'],
  ['MEDIA_ROOT', 'mediaRoot'],
  ['PORT', 'server.port'],
  ['HOST', 'server.host'],
  ['ORBIS_ADMIN_EMAIL', 'admin.email'],
  ['ORBIS_ADMIN_PASSWORD', 'admin.password'],
  ['LOG_LEVEL', 'log.level'],
  ['ORBIS_QUEUE_PREFIX', 'broker.prefix'],
  ['ORBIS_PUBLIC_URL', 'server.publicUrl'],
  ['ORBIS_DEFAULT_LOCALE', 'i18n.defaultLocale'],
  ['ORBIS_SEARCH_LANGUAGE', 'search.language'],
  ['ORBIS_CARDTYPES_DIR', 'cardTypes.dir'],
  ['ORBIS_EMBEDDED_PG_PORT', 'database.embedded.port'],
  ['ORBIS_EMBEDDED_PG_DIR', 'database.embedded.dir'],
  ['ORBIS_BEAT_TICK_SECONDS', 'beat.tickSeconds'],
  ['ORBIS_BEAT_LEASE_SECONDS', 'beat.leaseSeconds'],
  ['ORBIS_OIDC_ISSUER', 'auth.oidc.issuer'],
  ['ORBIS_OIDC_CLIENT_ID', 'auth.oidc.clientId'],
  ['ORBIS_OIDC_CLIENT_SECRET', 'auth.oidc.clientSecret'],
  ['ORBIS_SMS_PASSWORD', 'sms.gateway.password'],
  ['ORBIS_SMS_TOKEN', 'sms.gateway.token'],
  ['SENTRY_DSN', 'errorReport.dsn'],
  ['ORBIS_INSTALLATION', 'errorReport.installation'],
];

function readYaml(file: string): Tree {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SettingsError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed = YAML.parse(text) as unknown;
    if (parsed == null) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Tree;
  } catch (err) {
    throw new SettingsError(`${path.basename(file)}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Tree, over: Tree, where: string): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (!(k in base)) throw new SettingsError(`unknown setting ${where}${k} (conf/local.yaml)`);
    out[k] = isTree(base[k]) && isTree(v) ? merge(base[k] as Tree, v, `${where}${k}.`) : v;
  }
  return out;
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = tree;
  for (const k of keys.slice(0, -1)) {
    node[k] = isTree(node[k]) ? { ...(node[k] as Tree) } : {};
    node = node[k] as Tree;
  }
  node[keys[keys.length - 1]] = value;
}

export function get(tree: Tree, dotted: string): unknown {
  let node: unknown = tree;
  for (const k of dotted.split('.')) node = isTree(node) ? node[k] : undefined;
  return node;
}

export interface Layers {
  /** Every layer merged. */
  tree: Tree;
  /** conf/local.yaml alone (what the administrator chose). */
  local: Tree;
  /** Dotted setting → the environment variable that set it. */
  fromEnv: Map<string, string>;
}

export function readLayers(root: string, env: Env, overrides?: Tree): Layers {
  const defaults = readYaml(path.join(root, 'conf', 'defaults.yaml'));
  const local = readYaml(path.join(root, 'conf', 'local.yaml'));
  let tree = merge(defaults, local, '');
  const fromEnv = new Map<string, string>();
  for (const [name, key] of ENV_MAP) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    fromEnv.set(key, name);
    setPath(
      tree,
      key,
      key === 'cache.servers'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    );
  }
  tree = overrides ? merge(tree, overrides, '') : tree;
  return { tree, local, fromEnv };
}
