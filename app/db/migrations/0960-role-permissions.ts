// Roles managed in the browser (/admin/roles): a description for each, and
// rights on a card type set by an administrator. A row overrides, for its
// role, type and action, what the type's YAML declares; with no row the
// YAML holds. Deleting a role deletes its rows.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`alter table roles add column description text not null default ''`);
  await sql(`
    create table role_permissions (
      role_id bigint not null references roles (id) on delete cascade,
      card_type text not null,
      action text not null check (action in ('read', 'create', 'update', 'delete', 'transition')),
      scope text not null check (scope in ('none', 'own', 'all')),
      updated_by bigint references users (id) on delete set null,
      updated_at timestamptz not null default now(),
      primary key (role_id, card_type, action)
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table role_permissions');
  await sql('alter table roles drop column description');
}
