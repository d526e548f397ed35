import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class AuthEvent extends Model<InferAttributes<AuthEvent>, InferCreationAttributes<AuthEvent>> {
  declare id: CreationOptional<number>;
  declare at: CreationOptional<Date>;
  declare kind: string;
  declare user_id: CreationOptional<number | null>;
  declare email: CreationOptional<string | null>;
  declare ip: CreationOptional<string | null>;
  declare user_agent: CreationOptional<string | null>;
  declare detail: CreationOptional<Record<string, unknown>>;
}

/** One sign-in, sign-out or account change (app/services/auth-events.ts writes and reads them). */
export function defineAuthEvent(sequelize: Sequelize): typeof AuthEvent {
  class Bound extends AuthEvent {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      kind: { type: DataTypes.TEXT, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: true },
      email: { type: DataTypes.TEXT, allowNull: true },
      ip: { type: DataTypes.TEXT, allowNull: true },
      user_agent: { type: DataTypes.TEXT, allowNull: true },
      detail: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
    },
    { sequelize, tableName: 'auth_events', modelName: 'AuthEvent', timestamps: false },
  );
  return Bound;
}
