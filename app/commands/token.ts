// ./manage.ts token create EMAIL | list [EMAIL] | revoke ID: personal access
// tokens of the REST API (app/services/api-tokens.ts). `create` prints the
// token once: it is stored only as a hash.
import { CommandError, type Command } from '#app/cli/command';
import { withContext } from '#app/cli/runtime';
import { ValidationError } from '#app/services/errors';
import { parseNewToken, type NewToken, type TokenRow } from '#app/services/api-tokens';
import { normalizeEmail } from '#app/services/users';

const day = (d: Date | null) => (d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '-');

function line(t: TokenRow): string {
  return [
    t.id,
    t.prefix + '…',
    t.scope,
    t.state,
    t.user_email,
    `expires ${day(t.expires_at)}`,
    `last used ${day(t.last_used_at)}`,
    t.name,
  ].join('  ');
}

export const command: Command = {
  name: 'token',
  help: 'personal access tokens of the REST API: create (printed once), list, revoke',
  arguments: [
    { name: 'ACTION', choices: ['create', 'list', 'revoke'], help: 'what to do' },
    { name: 'EMAIL_OR_ID', optional: true, help: "create: the user's EMAIL; list: only this user's (EMAIL); revoke: the token's ID" },
    { name: '--scope', value: 'SCOPE', help: 'create: read (GET only, the default) or write' },
    { name: '--expires', value: 'DAYS', help: 'create: expires after DAYS days (default: never)' },
    { name: '--name', value: 'NAME', help: 'create: what the token is for (default: "manage.ts")' },
  ],
  description: [
    'create EMAIL   make a token for the user; the token is printed once, keep it',
    'list [EMAIL]   every token (or one user\u2019s): id, prefix, scope, state, user, expiry, last use, name',
    'revoke ID      refuse the token from the next request on',
  ],
  async handle({ values, positionals }, io) {
    const [action, target] = positionals;
    if (action === 'revoke' && !/^[1-9]\d{0,14}$/.test(target ?? ''))
      throw new CommandError('token revoke needs the token\u2019s ID (a number, from token list)');
    if (action === 'create' && !target) throw new CommandError('token create needs the user\u2019s EMAIL');
    if (action !== 'create' && (values.scope !== undefined || values.expires !== undefined || values.name !== undefined))
      throw new CommandError(`--scope, --expires and --name go with token create, not token ${action}`);
    await withContext(async (ctx) => {
      const { users, tokens } = ctx.services;
      const userOf = async (email: string) => {
        const user = await users.findByEmail(normalizeEmail(email));
        if (!user) throw new CommandError(`no user with the email ${normalizeEmail(email)}`);
        return user;
      };
      if (action === 'create') {
        let input: NewToken;
        try {
          input = parseNewToken({ name: values.name ?? 'manage.ts', scope: values.scope, expires: values.expires });
        } catch (err) {
          if (err instanceof ValidationError) throw new CommandError(Object.values(err.fields).join('; '));
          throw err;
        }
        const user = await userOf(target!);
        if (!user.is_active) throw new CommandError(`the user ${user.email} is disabled: enable them first (Admin \u2192 Users)`);
        const { token, row } = await tokens.create(Number(user.id), input, null);
        io.out(token);
        io.out(
          `Token ${row.id} (${row.scope}) for ${user.email}, ${row.expires_at ? `expires ${day(row.expires_at)} UTC` : 'never expires'}. It is shown only now.`,
        );
      } else if (action === 'list') {
        const rows = await tokens.list(target ? Number((await userOf(target)).id) : undefined);
        for (const t of rows) io.out(line(t));
        if (!rows.length) io.out('No tokens.');
      } else {
        try {
          const t = await tokens.revoke(Number(target), null);
          io.out(`Token ${t.id} (${t.prefix}…) revoked.`);
        } catch (err) {
          if (err instanceof Error && err.name === 'NotFoundError') throw new CommandError(`no token with the id ${target}`);
          throw err;
        }
      }
    });
  },
};
