// Which Orbis user an OpenID provider's account is (services/oidc gives the
// account), in this order:
// 1. the link made at an earlier single sign-on (issuer + subject);
// 2. else the email claim, only when the provider says it verified it
//    (`email_verified` is true): an address nobody proved to own must not
//    open someone's account; the link is made then;
// 3. else, with auth.oidc.createUsers, a new user with the roles the roles
//    claim maps to; else refused.
// A disabled user is refused whichever way they were found.
import crypto from 'node:crypto';
import type { OidcSettings } from '#app/config';
import type { Database } from '#app/db/connection';
import { OidcRefusedError, type OidcIdentity } from '#app/services/oidc';
import { normalizeEmail, type UserService } from '#app/services/users';

function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export class SsoAccounts {
  constructor(
    private readonly db: Database,
    private readonly users: UserService,
    private readonly settings: OidcSettings | null,
  ) {}

  /** Whether the user signed in through the provider at least once. */
  async isSsoUser(userId: number): Promise<boolean> {
    const rows = await this.db.rows('select 1 from user_identities where user_id = $1 limit 1', [userId]);
    return rows.length > 0;
  }

  /** The user id the account signs in as, or OidcRefusedError with the reason. */
  async resolve(identity: OidcIdentity): Promise<number> {
    const s = this.settings;
    if (!s) throw new OidcRefusedError('protocol_error', 'single sign-on is off');
    const [linked] = await this.db.rows<{ user_id: number; is_active: boolean }>(
      `select i.user_id, u.is_active from user_identities i join users u on u.id = i.user_id where i.issuer = $1 and i.subject = $2`,
      [identity.issuer, identity.subject],
    );
    if (linked) {
      if (!linked.is_active) throw new OidcRefusedError('disabled', `user ${linked.user_id}`);
      await this.signedIn(linked.user_id, identity);
      return linked.user_id;
    }
    const raw = identity.claims[s.emailClaim];
    if (typeof raw !== 'string' || !raw.includes('@')) throw new OidcRefusedError('no_email', `no ${s.emailClaim} claim`);
    const email = normalizeEmail(raw);
    if (identity.claims.email_verified !== true) throw new OidcRefusedError('email_unverified', email);
    const user = await this.users.findByEmail(email);
    if (user) {
      if (!user.is_active) throw new OidcRefusedError('disabled', `user ${user.id}`);
      await this.signedIn(user.id, identity);
      return user.id;
    }
    if (!s.createUsers) throw new OidcRefusedError('no_account', email);
    const created = await this.users.create({
      email,
      displayName: typeof identity.claims.name === 'string' ? identity.claims.name.slice(0, 200) : '',
      // Nobody knows it: the user signs in through the provider.
      password: crypto.randomBytes(24).toString('base64url'),
      roles: await this.rolesFor(identity.claims),
    });
    await this.signedIn(created.id, identity);
    return created.id;
  }

  /** The Orbis roles a new user gets from the roles claim (only roles that exist). */
  private async rolesFor(claims: Record<string, unknown>): Promise<string[]> {
    const s = this.settings!;
    if (!s.rolesClaim) return [];
    const values = claimValues(claims[s.rolesClaim]);
    const wanted = s.roleMapping.length ? s.roleMapping.filter((m) => values.includes(m.value)).map((m) => m.role) : values;
    const known = new Set((await this.users.roles()).map((r) => r.name));
    return [...new Set(wanted)].filter((r) => known.has(r));
  }

  private async signedIn(userId: number, identity: OidcIdentity): Promise<void> {
    await this.db.exec(
      `insert into user_identities (user_id, issuer, subject) values ($1, $2, $3)
       on conflict (issuer, subject) do update set last_used_at = now()`,
      [userId, identity.issuer, identity.subject],
    );
    await this.db.exec('update users set last_login_at = now() where id = $1', [userId]);
  }
}
