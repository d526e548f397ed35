// Second factors: a user's TOTP secret (sealed) and recovery codes (hashed).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class UserTotp extends Model<InferAttributes<UserTotp>, InferCreationAttributes<UserTotp>> {
  declare user_id: number;
  /** Sealed with the secret key (app/services/secret-box.ts), never the plain base32 secret. */
  declare secret: string;
  /** Null while the enrolment waits for its first code. */
  declare confirmed_at: CreationOptional<Date | null>;
  /** The TOTP time step last accepted (replays refused). */
  declare last_step: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
}

export class RecoveryCode extends Model<InferAttributes<RecoveryCode>, InferCreationAttributes<RecoveryCode>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare code_hash: string;
  declare used_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
}

export function defineUserTotp(sequelize: Sequelize): typeof UserTotp {
  class Bound extends UserTotp {}
  Bound.init(
    {
      user_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      secret: { type: DataTypes.TEXT, allowNull: false },
      confirmed_at: { type: DataTypes.DATE, allowNull: true },
      last_step: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'user_totp', modelName: 'UserTotp', timestamps: false },
  );
  return Bound;
}

export function defineRecoveryCode(sequelize: Sequelize): typeof RecoveryCode {
  class Bound extends RecoveryCode {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      code_hash: { type: DataTypes.TEXT, allowNull: false },
      used_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'user_recovery_codes', modelName: 'RecoveryCode', timestamps: false },
  );
  return Bound;
}
