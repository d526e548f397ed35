// A right set in the browser for a role on a card type (migration 0960); the
// role service reads and writes these rows (app/services/roles.ts).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class RolePermission extends Model<InferAttributes<RolePermission>, InferCreationAttributes<RolePermission>> {
  declare role_id: number;
  declare card_type: string;
  declare action: string;
  declare scope: string;
  declare updated_by: CreationOptional<number | null>;
  declare updated_at: CreationOptional<Date>;
}

export function defineRolePermission(sequelize: Sequelize): typeof RolePermission {
  class Bound extends RolePermission {}
  Bound.init(
    {
      role_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      card_type: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      action: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      scope: { type: DataTypes.TEXT, allowNull: false },
      updated_by: { type: DataTypes.BIGINT, allowNull: true },
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'role_permissions', modelName: 'RolePermission', timestamps: false },
  );
  return Bound;
}
