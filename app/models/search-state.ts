import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class SearchState extends Model<InferAttributes<SearchState>, InferCreationAttributes<SearchState>> {
  declare id: number;
  declare language: string;
  declare building: CreationOptional<string | null>;
  declare generation: CreationOptional<number>;
}

/** The full-text search configuration in use and a rebuild in progress. */
export function defineSearchState(sequelize: Sequelize): typeof SearchState {
  class Bound extends SearchState {}
  Bound.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
      language: { type: DataTypes.TEXT, allowNull: false },
      building: { type: DataTypes.TEXT, allowNull: true },
      generation: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    },
    { sequelize, tableName: 'search_state', modelName: 'SearchState', timestamps: false },
  );
  return Bound;
}
