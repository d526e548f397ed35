// The bell: notices to users and which of them each user wants by mail.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Notification extends Model<InferAttributes<Notification>, InferCreationAttributes<Notification>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare kind: string;
  declare key: string;
  declare title: string;
  declare body: CreationOptional<string>;
  declare url: CreationOptional<string | null>;
  declare card_id: CreationOptional<number | null>;
  declare task_id: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
  declare read_at: CreationOptional<Date | null>;
  declare mail_state: CreationOptional<string>;
  declare mailed_at: CreationOptional<Date | null>;
  declare message: CreationOptional<unknown | null>;
}

/** A notice to one user (its key makes a notice idempotent). */
export function defineNotification(sequelize: Sequelize): typeof Notification {
  class Bound extends Notification {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      kind: { type: DataTypes.TEXT, allowNull: false },
      key: { type: DataTypes.TEXT, allowNull: false },
      title: { type: DataTypes.TEXT, allowNull: false },
      body: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
      url: { type: DataTypes.TEXT, allowNull: true },
      card_id: { type: DataTypes.BIGINT, allowNull: true },
      task_id: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      read_at: { type: DataTypes.DATE, allowNull: true },
      mail_state: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'none' },
      mailed_at: { type: DataTypes.DATE, allowNull: true },
      message: { type: DataTypes.JSONB, allowNull: true },
    },
    { sequelize, tableName: 'notifications', modelName: 'Notification', updatedAt: false },
  );
  return Bound;
}

export class NotificationPreference extends Model<
  InferAttributes<NotificationPreference>,
  InferCreationAttributes<NotificationPreference>
> {
  declare user_id: number;
  declare kind: string;
  declare channel: string;
}

/** A channel a user chose for a kind of notice. */
export function defineNotificationPreference(sequelize: Sequelize): typeof NotificationPreference {
  class Bound extends NotificationPreference {}
  Bound.init(
    {
      user_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      kind: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      channel: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
    },
    { sequelize, tableName: 'notification_preferences', modelName: 'NotificationPreference', timestamps: false },
  );
  return Bound;
}
