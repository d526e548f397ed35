// Personal access tokens of the REST API: made for a user (on /account/tokens
// or with `./manage.ts token create`), shown once, kept only as a SHA-256
// (a token is 32 random bytes: nothing to guess, so a slow hash buys nothing),
// with its first characters for recognition; `read` (GET only) or `write`;
// an optional expiry; revoked by its user or an administrator.
//
// What MUST hold: a revoked or expired token, or one whose user is disabled,
// is refused on the very next request. Every API request therefore reads the
// token, its user (active) and the user's roles in one prepared statement,
// and nothing of it is cached. `last_used_at` is written at most once per
// TOUCH_STEP_MS per token, so a busy token does not write on every request.
import { prepared, type Database } from '#app/db/connection';
import type { Models } from '#app/models/registry';
import { msg, type Text } from '#app/i18n/message';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { newToken, tokenHash } from '#app/services/secret-box';
import { sessionUserSql, toSessionUser, type SessionUser, type SessionUserRow } from '#app/services/users';

export type TokenScope = 'read' | 'write';
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write'];
/** Every token starts so (secret scanners and people recognise it). */
export const TOKEN_START = 'orbis_';
/** Characters kept in clear: the start and 8 of the random part. */
const PREFIX_LENGTH = TOKEN_START.length + 8;
export const NAME_MAX = 100;
export const EXPIRES_MAX_DAYS = 3650;
const TOUCH_STEP_MS = 60_000;

export interface NewToken {
  name: string;
  scope: TokenScope;
  /** Days until it expires; null: never. */
  expiresDays: number | null;
}

/** A token as lists show it (never the token itself). */
export interface TokenRow {
  id: number;
  user_id: number;
  name: string;
  prefix: string;
  scope: TokenScope;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  user_email?: string;
  user_name?: string;
  /** active, expired or revoked (at the time of reading). */
  state: 'active' | 'expired' | 'revoked';
}

/** The caller of an API request: the token and its active user. */
export interface TokenCaller {
  tokenId: number;
  scope: TokenScope;
  user: SessionUser;
}

const AUTHENTICATE = prepared(
  `select t.id as token_id, t.scope, t.last_used_at, su.id, su.email, su.display_name, su.is_superuser, su.time_zone, su.locale, su.roles
     from api_tokens t
     join lateral (${sessionUserSql('t.user_id')}) su on true
    where t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())`,
);

function stateOf(row: { revoked_at: Date | null; expires_at: Date | null }, now = Date.now()): TokenRow['state'] {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at && new Date(row.expires_at).getTime() <= now) return 'expired';
  return 'active';
}

/** The token's settings as typed (a form, the CLI), checked; field errors name `name`, `scope`, `expires`. */
export function parseNewToken(input: { name?: unknown; scope?: unknown; expires?: unknown }): NewToken {
  const errors: Record<string, Text> = {};
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name) errors.name = msg('tokens.errors.nameRequired');
  else if (name.length > NAME_MAX || /[\r\n]/.test(name)) errors.name = msg('tokens.errors.nameTooLong', { max: NAME_MAX });
  const scope = input.scope === undefined || input.scope === '' ? 'read' : input.scope;
  if (scope !== 'read' && scope !== 'write') errors.scope = msg('tokens.errors.scope', { value: String(scope).slice(0, 40) });
  const raw = input.expires === undefined || input.expires === null ? '' : String(input.expires).trim();
  let expiresDays: number | null = null;
  if (raw !== '' && raw !== 'never') {
    expiresDays = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(expiresDays >= 1 && expiresDays <= EXPIRES_MAX_DAYS))
      errors.expires = msg('tokens.errors.expires', { value: raw.slice(0, 40), max: EXPIRES_MAX_DAYS });
  }
  if (Object.keys(errors).length) throw new ValidationError(msg('tokens.errors.invalid'), errors);
  return { name, scope: scope as TokenScope, expiresDays };
}

export class TokenService {
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly db: Database,
    private readonly models: Models,
  ) {}

  /** Makes a token for `userId`; the token itself is in the answer only. */
  async create(userId: number, input: NewToken, createdBy: number | null): Promise<{ token: string; row: TokenRow }> {
    const token = TOKEN_START + newToken();
    const created = await this.models.ApiToken.create({
      user_id: userId,
      name: input.name,
      prefix: token.slice(0, PREFIX_LENGTH),
      token_hash: tokenHash(token),
      scope: input.scope,
      expires_at: input.expiresDays === null ? null : new Date(Date.now() + input.expiresDays * 86_400_000),
      created_by: createdBy,
    });
    const row = created.get({ plain: true }) as unknown as TokenRow;
    return { token, row: { ...row, id: Number(row.id), user_id: Number(row.user_id), state: 'active' } };
  }

  /** Tokens of one user (or of everyone), newest first. */
  async list(userId?: number): Promise<TokenRow[]> {
    const rows = await this.db.rows<Omit<TokenRow, 'state'>>(
      `select t.id, t.user_id, t.name, t.prefix, t.scope, t.expires_at, t.last_used_at, t.revoked_at, t.created_at,
              u.email as user_email, u.display_name as user_name
         from api_tokens t join users u on u.id = t.user_id
        ${userId === undefined ? '' : 'where t.user_id = $1'}
        order by t.created_at desc, t.id desc`,
      userId === undefined ? [] : [userId],
    );
    const now = Date.now();
    return rows.map((r) => ({ ...r, state: stateOf(r, now) }));
  }

  /**
   * Revokes token `id`: its own user or an administrator may (`by` null: the
   * CLI); anyone else is told it does not exist. Revoking twice is no error.
   */
  async revoke(id: number, by: SessionUser | null): Promise<TokenRow> {
    const row = Number.isSafeInteger(id) ? await this.models.ApiToken.findByPk(id) : null;
    if (!row || (by && !by.isSuperuser && Number(row.user_id) !== by.id)) throw new NotFoundError(msg('tokens.errors.notFound'));
    if (!row.revoked_at) await row.update({ revoked_at: new Date() });
    const plain = row.get({ plain: true }) as unknown as TokenRow;
    return { ...plain, id: Number(plain.id), user_id: Number(plain.user_id), state: stateOf(plain) };
  }

  /** The caller a bearer token names, or null (unknown, revoked, expired, or its user disabled). */
  async authenticate(token: string): Promise<TokenCaller | null> {
    if (!token.startsWith(TOKEN_START) || token.length > 200) return null;
    const [row] = await this.db.rows<SessionUserRow & { token_id: number; scope: TokenScope; last_used_at: Date | null }>(AUTHENTICATE, [
      tokenHash(token),
    ]);
    if (!row) return null;
    this.touch(row.token_id, row.last_used_at);
    return { tokenId: row.token_id, scope: row.scope, user: toSessionUser(row) };
  }

  /** Writes last_used_at when it is older than TOUCH_STEP_MS (in the background: a failure only loses the time). */
  private touch(id: number, lastUsed: Date | null): void {
    const now = Date.now();
    const seen = Math.max(lastUsed ? new Date(lastUsed).getTime() : 0, this.touched.get(id) ?? 0);
    if (now - seen < TOUCH_STEP_MS) return;
    if (this.touched.size >= 10_000) this.touched.clear();
    this.touched.set(id, now);
    this.db.exec('update api_tokens set last_used_at = now() where id = $1', [id]).catch(() => this.touched.delete(id));
  }
}
