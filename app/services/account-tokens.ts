// Single-use links mailed to a person: a password reset (to the account's
// address) and an email change's confirmation (to the new address).
//
// What MUST hold:
// - Only the token's SHA-256 is stored: the plain token exists in the mail
//   and nowhere else (not in the jobs table, not in the request log, which
//   masks it). 32 random bytes need no slow hash: they cannot be guessed.
// - A token works once: using it deletes its row in the transaction of the
//   change it allows, so two uses at once cannot both succeed.
// - A newer token of the same purpose replaces the older ones of the user;
//   a password change deletes the user's reset tokens.
// - It expires: a reset after RESET_MINUTES, an email change after
//   EMAIL_CHANGE_HOURS.
// - A token of the other purpose, or of another user than the one signed
//   in, is no token here (the caller checks the user).
import type { Database, Transaction } from '#app/db/connection';
import { newToken, tokenHash } from '#app/services/secret-box';
import { inEnglish, msg, type Message } from '#app/i18n/message';

export type TokenPurpose = 'password_reset' | 'email_change';

export const RESET_MINUTES = 30;
export const EMAIL_CHANGE_HOURS = 24;

const LIFETIME_MINUTES: Record<TokenPurpose, number> = { password_reset: RESET_MINUTES, email_change: EMAIL_CHANGE_HOURS * 60 };

/** 32 random bytes, base64url: 43 characters. Anything else is not a token and never reaches the database. */
const SHAPE = /^[A-Za-z0-9_-]{43}$/;

// i18n-keys: account.link.*
/** Why a mailed link cannot be used (one page for all of them: nothing changed). */
export type LinkProblem = 'invalid' | 'taken';

/** A link that is expired, used, replaced, foreign or never was; or an email change whose address was taken meanwhile. */
export class LinkError extends Error {
  override name = 'LinkError';
  /** The message for the page. */
  readonly text: Message;
  constructor(readonly problem: LinkProblem = 'invalid') {
    super(inEnglish(msg(`account.link.${problem}`)));
    this.text = msg(`account.link.${problem}`);
  }
}

export interface TokenHolder {
  userId: number;
  /** The address an email change confirms (null for a reset). */
  newEmail: string | null;
}

export class AccountTokens {
  constructor(private readonly db: Database) {}

  /**
   * A new token for the user: the older ones of the same purpose are gone,
   * and so is every token that expired more than a day ago (whoever's).
   * Returns the plain token: put it in the mail, store it nowhere.
   */
  async issue(userId: number, purpose: TokenPurpose, newEmail: string | null = null, t?: Transaction): Promise<string> {
    const token = newToken();
    await this.db.exec(
      `with gone as (delete from account_tokens where (user_id = $1 and purpose = $2) or expires_at < now() - interval '1 day')
       insert into account_tokens (user_id, purpose, token_hash, new_email, expires_at)
       values ($1, $2, $3, $4, now() + make_interval(mins => $5))`,
      [userId, purpose, tokenHash(token), newEmail, LIFETIME_MINUTES[purpose]],
      t,
    );
    return token;
  }

  /** Whom a valid token of this purpose is for, without using it; null when it is not valid. */
  async peek(token: string, purpose: TokenPurpose): Promise<TokenHolder | null> {
    if (!SHAPE.test(token)) return null;
    const [row] = await this.db.rows<{ user_id: number; new_email: string | null }>(
      `select user_id, new_email from account_tokens where token_hash = $1 and purpose = $2 and expires_at > now()`,
      [tokenHash(token), purpose],
    );
    return row ? { userId: row.user_id, newEmail: row.new_email } : null;
  }

  /** Uses the token in `t` (deleted: a second use finds nothing); throws LinkError when it is not valid. */
  async consume(token: string, purpose: TokenPurpose, t: Transaction): Promise<TokenHolder> {
    if (!SHAPE.test(token)) throw new LinkError();
    const [row] = await this.db.rows<{ user_id: number; new_email: string | null }>(
      `delete from account_tokens where token_hash = $1 and purpose = $2 and expires_at > now() returning user_id, new_email`,
      [tokenHash(token), purpose],
      t,
    );
    if (!row) throw new LinkError();
    return { userId: row.user_id, newEmail: row.new_email };
  }

  /** Every token of the user for the purpose goes (a password changed: no reset link works any more). */
  async revoke(userId: number, purpose: TokenPurpose, t?: Transaction): Promise<void> {
    await this.db.exec('delete from account_tokens where user_id = $1 and purpose = $2', [userId, purpose], t);
  }
}
