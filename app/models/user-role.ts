import { DataTypes, Model, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class UserRole extends Model<InferAttributes<UserRole>, InferCreationAttributes<UserRole>> {
  declare user_id: number;
  declare role_id: number;
}

/** A role held by a user (the link table of User.roles). */
export function defineUserRole(sequelize: Sequelize): typeof UserRole {
  class Bound extends UserRole {}
  Bound.init(
    {
      user_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      role_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
    },
    { sequelize, tableName: 'user_roles', modelName: 'UserRole', timestamps: false },
  );
  return Bound;
}
