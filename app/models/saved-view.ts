// A saved view of a card type's list or board (migration 0840).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class SavedView extends Model<InferAttributes<SavedView>, InferCreationAttributes<SavedView>> {
  declare id: CreationOptional<number>;
  declare card_type: string;
  declare name: string;
  declare query: string;
  declare owner_id: number;
  declare role: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
}

/** A name for a list query string: personal (role null) or shared with a role. */
export function defineSavedView(sequelize: Sequelize): typeof SavedView {
  class Bound extends SavedView {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      card_type: { type: DataTypes.TEXT, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false },
      query: { type: DataTypes.TEXT, allowNull: false },
      owner_id: { type: DataTypes.BIGINT, allowNull: false },
      role: { type: DataTypes.TEXT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'saved_views', modelName: 'SavedView', timestamps: false },
  );
  return Bound;
}
