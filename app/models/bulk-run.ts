// Bulk work on a card list: a run and the outcome per card (migration 0900).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class BulkRun extends Model<InferAttributes<BulkRun>, InferCreationAttributes<BulkRun>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare card_type: string;
  declare action: string;
  declare params: CreationOptional<Record<string, unknown>>;
  declare card_ids: number[];
  declare job_id: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
  declare finished_at: CreationOptional<Date | null>;
}

/** One bulk action over cards frozen when it was asked for. */
export function defineBulkRun(sequelize: Sequelize): typeof BulkRun {
  class Bound extends BulkRun {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      card_type: { type: DataTypes.TEXT, allowNull: false },
      action: { type: DataTypes.TEXT, allowNull: false },
      params: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      card_ids: { type: DataTypes.ARRAY(DataTypes.BIGINT), allowNull: false },
      job_id: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      finished_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'bulk_runs', modelName: 'BulkRun', timestamps: false },
  );
  return Bound;
}

export class BulkRunCard extends Model<InferAttributes<BulkRunCard>, InferCreationAttributes<BulkRunCard>> {
  declare run_id: number;
  declare card_id: number;
  declare outcome: string;
  declare reason: CreationOptional<unknown>;
  declare at: CreationOptional<Date>;
}

/** A card a run finished: done, or refused with the reason (a catalog message). */
export function defineBulkRunCard(sequelize: Sequelize): typeof BulkRunCard {
  class Bound extends BulkRunCard {}
  Bound.init(
    {
      run_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      card_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      outcome: { type: DataTypes.TEXT, allowNull: false },
      reason: { type: DataTypes.JSONB, allowNull: true },
      at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'bulk_run_cards', modelName: 'BulkRunCard', timestamps: false },
  );
  return Bound;
}
