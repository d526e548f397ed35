import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Job extends Model<InferAttributes<Job>, InferCreationAttributes<Job>> {
  declare id: CreationOptional<number>;
  declare kind: string;
  declare queue: CreationOptional<string>;
  declare payload: CreationOptional<unknown>;
  declare key: CreationOptional<string | null>;
  declare state: CreationOptional<string>;
  declare attempts: CreationOptional<number>;
  declare max_attempts: CreationOptional<number>;
  declare run_after: CreationOptional<Date>;
  declare depends_on: CreationOptional<number[]>;
  declare progress_current: CreationOptional<number | null>;
  declare progress_total: CreationOptional<number | null>;
  declare result: CreationOptional<unknown | null>;
  declare error: CreationOptional<string | null>;
  declare request_id: CreationOptional<string | null>;
  declare published_at: CreationOptional<Date | null>;
  declare locked_by: CreationOptional<string | null>;
  declare heartbeat_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare started_at: CreationOptional<Date | null>;
  declare finished_at: CreationOptional<Date | null>;
  declare updated_at: CreationOptional<Date>;
}

/** A background job: the outbox row a request writes in its transaction, then its claim and result. */
export function defineJob(sequelize: Sequelize): typeof Job {
  class Bound extends Job {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      kind: { type: DataTypes.TEXT, allowNull: false },
      queue: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'default' },
      payload: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      key: { type: DataTypes.TEXT, allowNull: true },
      state: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'queued' },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      max_attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 5 },
      run_after: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      depends_on: { type: DataTypes.ARRAY(DataTypes.BIGINT), allowNull: false, defaultValue: [] },
      progress_current: { type: DataTypes.INTEGER, allowNull: true },
      progress_total: { type: DataTypes.INTEGER, allowNull: true },
      result: { type: DataTypes.JSONB, allowNull: true },
      error: { type: DataTypes.TEXT, allowNull: true },
      request_id: { type: DataTypes.TEXT, allowNull: true },
      published_at: { type: DataTypes.DATE, allowNull: true },
      locked_by: { type: DataTypes.TEXT, allowNull: true },
      heartbeat_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      started_at: { type: DataTypes.DATE, allowNull: true },
      finished_at: { type: DataTypes.DATE, allowNull: true },
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'jobs', modelName: 'Job' },
  );
  return Bound;
}
