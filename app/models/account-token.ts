import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class AccountToken extends Model<InferAttributes<AccountToken>, InferCreationAttributes<AccountToken>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare purpose: 'password_reset' | 'email_change';
  declare token_hash: string;
  declare new_email: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare expires_at: Date;
}

/** A mailed single-use link, by its hash (app/services/account-tokens.ts writes and reads them). */
export function defineAccountToken(sequelize: Sequelize): typeof AccountToken {
  class Bound extends AccountToken {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      purpose: { type: DataTypes.TEXT, allowNull: false },
      token_hash: { type: DataTypes.TEXT, allowNull: false, unique: true },
      new_email: { type: DataTypes.TEXT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      expires_at: { type: DataTypes.DATE, allowNull: false },
    },
    { sequelize, tableName: 'account_tokens', modelName: 'AccountToken', timestamps: false },
  );
  return Bound;
}
