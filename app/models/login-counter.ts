import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class LoginCounter extends Model<InferAttributes<LoginCounter>, InferCreationAttributes<LoginCounter>> {
  declare scope: string;
  declare key: string;
  declare count: number;
  declare window_start: CreationOptional<Date>;
}

/** Failed sign-ins per account, address or device in the current window (the login throttle). */
export function defineLoginCounter(sequelize: Sequelize): typeof LoginCounter {
  class Bound extends LoginCounter {}
  Bound.init(
    {
      scope: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      key: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      count: { type: DataTypes.INTEGER, allowNull: false },
      window_start: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'login_counters', modelName: 'LoginCounter', timestamps: false },
  );
  return Bound;
}
