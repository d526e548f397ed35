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
  /** Also by SMS (migration 0950). */
  declare sms: CreationOptional<boolean>;
}

/** A channel a user chose for a kind of notice. */
export function defineNotificationPreference(sequelize: Sequelize): typeof NotificationPreference {
  class Bound extends NotificationPreference {}
  Bound.init(
    {
      user_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      kind: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      channel: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      sms: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    },
    { sequelize, tableName: 'notification_preferences', modelName: 'NotificationPreference', timestamps: false },
  );
  return Bound;
}

/** What the SMS dispatcher still owes a notice (migration 0950; app/jobs/notifications.sms.ts). */
export class NotificationSms extends Model<InferAttributes<NotificationSms>, InferCreationAttributes<NotificationSms>> {
  declare notification_id: number;
  declare user_id: number;
  declare state: CreationOptional<string>;
  declare sent_at: CreationOptional<Date | null>;
}

/** When each user was last sent an SMS: the rate limit's row, locked by the dispatcher. */
export class SmsThrottle extends Model<InferAttributes<SmsThrottle>, InferCreationAttributes<SmsThrottle>> {
  declare user_id: number;
  declare sent_at: Date;
}

export function defineSmsModels(sequelize: Sequelize): { NotificationSms: typeof NotificationSms; SmsThrottle: typeof SmsThrottle } {
  class BoundSms extends NotificationSms {}
  BoundSms.init(
    {
      notification_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      state: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'pending' },
      sent_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'notification_sms', modelName: 'NotificationSms', timestamps: false },
  );
  class BoundThrottle extends SmsThrottle {}
  BoundThrottle.init(
    {
      user_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      sent_at: { type: DataTypes.DATE, allowNull: false },
    },
    { sequelize, tableName: 'sms_throttle', modelName: 'SmsThrottle', timestamps: false },
  );
  return { NotificationSms: BoundSms, SmsThrottle: BoundThrottle };
}
