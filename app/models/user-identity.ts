// A user's account at the OpenID provider (issuer + subject), made at their first single sign-on.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class UserIdentity extends Model<InferAttributes<UserIdentity>, InferCreationAttributes<UserIdentity>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare issuer: string;
  declare subject: string;
  declare created_at: CreationOptional<Date>;
  declare last_used_at: CreationOptional<Date>;
}

export function defineUserIdentity(sequelize: Sequelize): typeof UserIdentity {
  class Bound extends UserIdentity {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      issuer: { type: DataTypes.TEXT, allowNull: false },
      subject: { type: DataTypes.TEXT, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      last_used_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'user_identities', modelName: 'UserIdentity', timestamps: false },
  );
  return Bound;
}
