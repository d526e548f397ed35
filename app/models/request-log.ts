import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class RequestLog extends Model<InferAttributes<RequestLog>, InferCreationAttributes<RequestLog>> {
  declare id: CreationOptional<number>;
  declare at: Date;
  declare method: string;
  declare path: string;
  declare status: number;
  declare duration_ms: number;
  declare user_id: CreationOptional<number | null>;
  declare ip: CreationOptional<string | null>;
  declare request_id: CreationOptional<string | null>;
  declare user_agent: CreationOptional<string | null>;
}

/** One answered request (written in batches by the request-log consumer). */
export function defineRequestLog(sequelize: Sequelize): typeof RequestLog {
  class Bound extends RequestLog {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
      method: { type: DataTypes.TEXT, allowNull: false },
      path: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.SMALLINT, allowNull: false },
      duration_ms: { type: DataTypes.REAL, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: true },
      ip: { type: DataTypes.INET, allowNull: true },
      request_id: { type: DataTypes.TEXT, allowNull: true },
      user_agent: { type: DataTypes.TEXT, allowNull: true },
    },
    { sequelize, tableName: 'request_logs', modelName: 'RequestLog', timestamps: false },
  );
  return Bound;
}
