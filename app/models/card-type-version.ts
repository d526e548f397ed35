// One saved version of a card type (migration 0980); the type store reads
// and writes these rows (app/services/card-type-store.ts).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class CardTypeVersion extends Model<InferAttributes<CardTypeVersion>, InferCreationAttributes<CardTypeVersion>> {
  declare id: CreationOptional<number>;
  declare card_type: string;
  declare version: number;
  declare definition: unknown;
  declare source: string;
  declare file_hash: CreationOptional<string | null>;
  declare comment: CreationOptional<string>;
  declare author_id: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
}

export function defineCardTypeVersion(sequelize: Sequelize): typeof CardTypeVersion {
  class Bound extends CardTypeVersion {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      card_type: { type: DataTypes.TEXT, allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: false },
      definition: { type: DataTypes.JSON, allowNull: false },
      source: { type: DataTypes.TEXT, allowNull: false },
      file_hash: { type: DataTypes.TEXT, allowNull: true },
      comment: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
      author_id: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'card_type_versions', modelName: 'CardTypeVersion', timestamps: false },
  );
  return Bound;
}
