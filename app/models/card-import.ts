// An upload of the import page and the mapping saved per card type (migration 0920).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class CardImport extends Model<InferAttributes<CardImport>, InferCreationAttributes<CardImport>> {
  declare id: CreationOptional<number>;
  declare card_type: string;
  declare user_id: number;
  declare file_name: string;
  declare file_path: string | null;
  declare file_size: number;
  declare state: CreationOptional<string>;
  declare mapping: CreationOptional<unknown>;
  declare all_or_nothing: CreationOptional<boolean>;
  declare job_id: CreationOptional<number | null>;
  declare total_rows: CreationOptional<number>;
  declare done_line: CreationOptional<number>;
  declare created_cards: CreationOptional<number>;
  declare refused: CreationOptional<unknown>;
  declare refused_rows: CreationOptional<number>;
  declare error: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare finished_at: CreationOptional<Date | null>;
}

/** One CSV file uploaded on the import page: its mapping, job, progress marker and result. */
export function defineCardImport(sequelize: Sequelize): typeof CardImport {
  class Bound extends CardImport {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      card_type: { type: DataTypes.TEXT, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      file_name: { type: DataTypes.TEXT, allowNull: false },
      file_path: { type: DataTypes.TEXT, allowNull: true },
      file_size: { type: DataTypes.BIGINT, allowNull: false },
      state: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'uploaded' },
      mapping: { type: DataTypes.JSONB, allowNull: true },
      all_or_nothing: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      job_id: { type: DataTypes.BIGINT, allowNull: true },
      total_rows: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      done_line: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      created_cards: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      refused: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
      refused_rows: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      error: { type: DataTypes.TEXT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      finished_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'card_imports', modelName: 'CardImport', timestamps: false },
  );
  return Bound;
}

export class CardImportMapping extends Model<InferAttributes<CardImportMapping>, InferCreationAttributes<CardImportMapping>> {
  declare card_type: string;
  declare mapping: unknown;
  declare updated_by: CreationOptional<number | null>;
  declare updated_at: CreationOptional<Date>;
}

/** The column → field mapping last started for a card type (prefills the next import). */
export function defineCardImportMapping(sequelize: Sequelize): typeof CardImportMapping {
  class Bound extends CardImportMapping {}
  Bound.init(
    {
      card_type: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      mapping: { type: DataTypes.JSONB, allowNull: false },
      updated_by: { type: DataTypes.BIGINT, allowNull: true },
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'card_import_mappings', modelName: 'CardImportMapping', timestamps: false },
  );
  return Bound;
}
