// A web session (app/web/middleware/session-store.ts reads and writes it with
// its own statements; the model is the table's record and serves admin code).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Session extends Model<InferAttributes<Session>, InferCreationAttributes<Session>> {
  declare sid: string;
  declare user_id: CreationOptional<number | null>;
  declare data: unknown;
  declare expires_at: Date;
}

/** A signed-in or anonymous browser session; user_id lets an admin end a user's sessions. */
export function defineSession(sequelize: Sequelize): typeof Session {
  class Bound extends Session {}
  Bound.init(
    {
      sid: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: true },
      data: { type: DataTypes.JSONB, allowNull: false },
      expires_at: { type: DataTypes.DATE, allowNull: false },
    },
    { sequelize, tableName: 'sessions', modelName: 'Session', timestamps: false },
  );
  return Bound;
}
