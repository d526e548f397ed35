import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare email: string;
  declare display_name: string;
  declare password_hash: string;
  declare is_active: CreationOptional<boolean>;
  declare is_superuser: CreationOptional<boolean>;
  declare time_zone: CreationOptional<string>;
  declare locale: CreationOptional<string | null>;
  /** For SMS: E.164 (+ and digits), or null. */
  declare phone: CreationOptional<string | null>;
  declare last_login_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/** Binds a fresh subclass to `sequelize`, so several databases can live in one process. */
export function defineUser(sequelize: Sequelize): typeof User {
  class BoundUser extends User {}
  BoundUser.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      email: { type: DataTypes.TEXT, allowNull: false },
      display_name: { type: DataTypes.TEXT, allowNull: false },
      password_hash: { type: DataTypes.TEXT, allowNull: false },
      is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      is_superuser: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      time_zone: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'UTC' },
      locale: { type: DataTypes.TEXT, allowNull: true },
      phone: { type: DataTypes.TEXT, allowNull: true },
      last_login_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'users', modelName: 'User' },
  );
  return BoundUser;
}
