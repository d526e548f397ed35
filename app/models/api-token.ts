// A personal access token of the REST API (app/services/api-tokens.ts reads
// it on every API request with its own statement; the model is the table's record).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class ApiToken extends Model<InferAttributes<ApiToken>, InferCreationAttributes<ApiToken>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare name: string;
  declare prefix: string;
  declare token_hash: string;
  declare scope: 'read' | 'write';
  declare expires_at: CreationOptional<Date | null>;
  declare last_used_at: CreationOptional<Date | null>;
  declare revoked_at: CreationOptional<Date | null>;
  declare created_by: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
}

export function defineApiToken(sequelize: Sequelize): typeof ApiToken {
  class Bound extends ApiToken {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false },
      prefix: { type: DataTypes.TEXT, allowNull: false },
      token_hash: { type: DataTypes.TEXT, allowNull: false },
      scope: { type: DataTypes.TEXT, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: true },
      last_used_at: { type: DataTypes.DATE, allowNull: true },
      revoked_at: { type: DataTypes.DATE, allowNull: true },
      created_by: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'api_tokens', modelName: 'ApiToken', timestamps: false },
  );
  return Bound;
}
