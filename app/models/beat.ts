// The beat's records: one row per slot an entry fired, and the leader's lease.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class BeatRun extends Model<InferAttributes<BeatRun>, InferCreationAttributes<BeatRun>> {
  declare name: string;
  declare slot: Date;
  declare enqueued_at: CreationOptional<Date>;
  declare job_id: CreationOptional<number | null>;
}

/** A slot of a schedule entry that fired (its primary key makes each slot fire once). */
export function defineBeatRun(sequelize: Sequelize): typeof BeatRun {
  class Bound extends BeatRun {}
  Bound.init(
    {
      name: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      slot: { type: DataTypes.DATE, primaryKey: true, allowNull: false },
      enqueued_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      job_id: { type: DataTypes.BIGINT, allowNull: true },
    },
    { sequelize, tableName: 'beat_runs', modelName: 'BeatRun', timestamps: false },
  );
  return Bound;
}

export class BeatStatus extends Model<InferAttributes<BeatStatus>, InferCreationAttributes<BeatStatus>> {
  declare name: string;
  declare holder: string;
  declare heartbeat_at: Date;
  declare epoch: CreationOptional<number>;
  declare pid: CreationOptional<number | null>;
}

/** The beat leader's lease. */
export function defineBeatStatus(sequelize: Sequelize): typeof BeatStatus {
  class Bound extends BeatStatus {}
  Bound.init(
    {
      name: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      holder: { type: DataTypes.TEXT, allowNull: false },
      heartbeat_at: { type: DataTypes.DATE, allowNull: false },
      epoch: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
      pid: { type: DataTypes.INTEGER, allowNull: true },
    },
    { sequelize, tableName: 'beat_status', modelName: 'BeatStatus', timestamps: false },
  );
  return Bound;
}
