// Accounts: users and roles (many-to-many). Email is unique whatever its case.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table users (
      id bigserial primary key,
      email text not null,
      display_name text not null,
      password_hash text not null,
      is_active boolean not null default true,
      is_superuser boolean not null default false,
      time_zone text not null default 'UTC',
      last_login_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
  await sql('create unique index users_email_lower_key on users (lower(email))');
  await sql(`
    create table roles (
      id bigserial primary key,
      name text not null unique check (name ~ '^[a-z][a-z0-9_-]*$'),
      label text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
  await sql(`
    create table user_roles (
      user_id bigint not null references users (id) on delete cascade,
      role_id bigint not null references roles (id) on delete cascade,
      primary key (user_id, role_id)
    )`);
  await sql('create index user_roles_role_id_idx on user_roles (role_id)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table user_roles');
  await sql('drop table roles');
  await sql('drop table users');
}
