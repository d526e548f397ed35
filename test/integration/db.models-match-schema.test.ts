// The models are the schema of record: after every migration has run on a
// fresh database, each table has exactly one model, and each model's
// attributes are the table's columns — names, nullability, types (roughly)
// and literal defaults. A migration without its model change fails here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataTypes, type ModelStatic, type Model } from 'sequelize';
import { openDatabase } from '#app/db/connection';
import { createMigrator } from '#app/db/migrate';
import { defineModels } from '#app/models/registry';
import { onCleanup } from '#test/support/cleanup';
import { testSettings } from '#test/support/app';
import { testDatabase } from '#test/support/db';

/** umzug's own record of applied migrations: not the application's data. */
const NOT_MODELLED = new Set(['orbis_migrations']);

/** The Sequelize type each PostgreSQL column type is modelled with. */
const TYPES: Record<string, string> = {
  bigint: 'BIGINT',
  integer: 'INTEGER',
  smallint: 'SMALLINT',
  text: 'TEXT',
  boolean: 'BOOLEAN',
  'timestamp with time zone': 'DATE',
  jsonb: 'JSONB',
  json: 'JSON',
  tsvector: 'TSVECTOR',
  inet: 'INET',
  real: 'REAL',
  bytea: 'BLOB',
  ARRAY: 'ARRAY',
  date: 'DATEONLY',
};

interface Column {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

/** A column default as the model should say it: undefined when there is none or it is not a literal. */
function literalDefault(sql: string | null): unknown {
  if (sql === null || /^nextval\(/.test(sql)) return undefined;
  if (/^(now|clock_timestamp)\(\)$/.test(sql)) return 'NOW';
  if (sql === 'true' || sql === 'false') return sql === 'true';
  if (/^-?\d+$/.test(sql)) return Number(sql);
  const quoted = /^'((?:[^']|'')*)'::([\w ]+)(\[\])?$/.exec(sql);
  if (!quoted) return undefined;
  const text = quoted[1].replace(/''/g, "'");
  if (quoted[3]) return text === '{}' ? [] : text;
  return quoted[2] === 'jsonb' ? JSON.parse(text) : text;
}

function modelDefault(value: unknown): unknown {
  if (value instanceof DataTypes.NOW || value === DataTypes.NOW) return 'NOW';
  return value;
}

describe('the models', () => {
  it('are one per table, with the migrated columns', async () => {
    const target = await testDatabase({ migrated: false });
    const db = await openDatabase(testSettings({ DATABASE_URL: target.url }));
    onCleanup(() => db.close());
    const migrator = await createMigrator(db);
    await migrator.upgrade();
    await migrator.close();

    const columns = await db.rows<Column>(
      `select table_name, column_name, data_type, is_nullable, column_default
         from information_schema.columns where table_schema = current_schema() order by table_name, ordinal_position`,
    );
    const tables = new Map<string, Column[]>();
    for (const c of columns) if (!NOT_MODELLED.has(c.table_name)) tables.set(c.table_name, [...(tables.get(c.table_name) ?? []), c]);

    const models = Object.values(defineModels(db.sequelize)) as ModelStatic<Model>[];
    const byTable = new Map<string, ModelStatic<Model>>();
    for (const model of models) {
      const table = model.getTableName() as string;
      assert.ok(!byTable.has(table), `two models for table ${table}`);
      byTable.set(table, model);
    }
    assert.deepEqual([...byTable.keys()].sort(), [...tables.keys()].sort(), 'one model per table, no model without a table');

    const problems: string[] = [];
    for (const [table, cols] of tables) {
      const attributes = byTable.get(table)!.getAttributes();
      const names = Object.values(attributes).map((a) => a.field ?? '');
      if (
        names.sort().join() !==
        cols
          .map((c) => c.column_name)
          .sort()
          .join()
      ) {
        problems.push(`${table}: model has [${names}], table has [${cols.map((c) => c.column_name).sort()}]`);
        continue;
      }
      for (const col of cols) {
        const attr = Object.values(attributes).find((a) => a.field === col.column_name)!;
        const where = `${table}.${col.column_name}`;
        const type = (attr.type as { key: string }).key;
        if (TYPES[col.data_type] !== type) problems.push(`${where}: ${col.data_type} modelled as ${type}`);
        const notNull = attr.allowNull === false || Boolean(attr.primaryKey);
        if (notNull !== (col.is_nullable === 'NO'))
          problems.push(`${where}: ${col.is_nullable === 'NO' ? 'not null' : 'nullable'} in the table, not in the model`);
        if (/^nextval\(/.test(col.column_default ?? '') !== Boolean(attr.autoIncrement))
          problems.push(`${where}: serial in one, not the other`);
        const expected = literalDefault(col.column_default);
        if (expected !== undefined && !attr.autoIncrement) {
          try {
            assert.deepEqual(modelDefault(attr.defaultValue), expected);
          } catch {
            problems.push(
              `${where}: default ${col.column_default} in the table, ${JSON.stringify(modelDefault(attr.defaultValue))} in the model`,
            );
          }
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});
