// The installation's working-days calendar: one row (the week, the hours,
// their time zone) and the holidays. No row: Monday to Friday, 09:00–18:00 UTC.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table work_calendar (
      id int primary key check (id = 1),
      time_zone text not null,
      days int[] not null,
      start_minute int not null check (start_minute between 0 and 1440),
      end_minute int not null check (end_minute between 0 and 1440 and end_minute > start_minute),
      updated_at timestamptz not null default now()
    )`);
  await sql(`
    create table holidays (
      day date primary key,
      name text not null default ''
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table holidays');
  await sql('drop table work_calendar');
}
