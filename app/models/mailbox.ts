// A mailbox Orbis reads and the messages it has seen (app/services/mailboxes.ts
// and mail-import.ts read and write them with their own statements; the
// models are the tables' record).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Mailbox extends Model<InferAttributes<Mailbox>, InferCreationAttributes<Mailbox>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare host: string;
  declare port: number;
  declare tls: CreationOptional<boolean>;
  declare username: string;
  declare password_sealed: string;
  declare folder: CreationOptional<string>;
  declare processed: CreationOptional<'flag' | 'move' | 'delete'>;
  declare move_to: CreationOptional<string | null>;
  declare card_type: string;
  declare mapping: CreationOptional<Record<string, string>>;
  declare defaults: CreationOptional<Record<string, string>>;
  declare allowed_senders: CreationOptional<string[]>;
  declare max_mb: CreationOptional<number>;
  declare owner_id: CreationOptional<number | null>;
  declare enabled: CreationOptional<boolean>;
  declare state: CreationOptional<'new' | 'ok' | 'failing'>;
  declare last_error: CreationOptional<string | null>;
  declare failures: CreationOptional<number>;
  declare last_poll_at: CreationOptional<Date | null>;
  declare last_ok_at: CreationOptional<Date | null>;
  declare next_poll_at: CreationOptional<Date | null>;
  declare polling_until: CreationOptional<Date | null>;
  declare progress_done: CreationOptional<number | null>;
  declare progress_total: CreationOptional<number | null>;
  declare uid_validity: CreationOptional<number | null>;
  declare last_uid: CreationOptional<number>;
  declare created_at: CreationOptional<Date>;
}

export class MailMessage extends Model<InferAttributes<MailMessage>, InferCreationAttributes<MailMessage>> {
  declare id: CreationOptional<number>;
  declare mailbox_id: number | null;
  declare message_id: string;
  declare uid: CreationOptional<number | null>;
  declare state: 'imported' | 'refused' | 'ignored' | 'discarded';
  declare reason: CreationOptional<string | null>;
  declare reason_message: CreationOptional<unknown>;
  declare subject: CreationOptional<string>;
  declare sender: CreationOptional<string>;
  declare size: CreationOptional<number>;
  declare card_id: CreationOptional<number | null>;
  declare comment_id: CreationOptional<number | null>;
  declare raw_sha256: CreationOptional<string | null>;
  declare server_done: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare handled_at: CreationOptional<Date | null>;
}

export function defineMailbox(sequelize: Sequelize): typeof Mailbox {
  class Bound extends Mailbox {}
  // A fresh object per column: Sequelize writes the column's name into it.
  const ts = () => ({ type: DataTypes.DATE, allowNull: true });
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      name: { type: DataTypes.TEXT, allowNull: false, unique: true },
      host: { type: DataTypes.TEXT, allowNull: false },
      port: { type: DataTypes.INTEGER, allowNull: false },
      tls: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      username: { type: DataTypes.TEXT, allowNull: false },
      password_sealed: { type: DataTypes.TEXT, allowNull: false },
      folder: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'INBOX' },
      processed: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'flag' },
      move_to: { type: DataTypes.TEXT, allowNull: true },
      card_type: { type: DataTypes.TEXT, allowNull: false },
      mapping: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      defaults: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      allowed_senders: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] },
      max_mb: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 25 },
      owner_id: { type: DataTypes.BIGINT, allowNull: true },
      enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      state: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'new' },
      last_error: { type: DataTypes.TEXT, allowNull: true },
      failures: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      last_poll_at: ts(),
      last_ok_at: ts(),
      next_poll_at: ts(),
      polling_until: ts(),
      progress_done: { type: DataTypes.INTEGER, allowNull: true },
      progress_total: { type: DataTypes.INTEGER, allowNull: true },
      uid_validity: { type: DataTypes.BIGINT, allowNull: true },
      last_uid: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'mailboxes', modelName: 'Mailbox', timestamps: false },
  );
  return Bound;
}

export function defineMailMessage(sequelize: Sequelize): typeof MailMessage {
  class Bound extends MailMessage {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      mailbox_id: { type: DataTypes.BIGINT, allowNull: true },
      message_id: { type: DataTypes.TEXT, allowNull: false },
      uid: { type: DataTypes.BIGINT, allowNull: true },
      state: { type: DataTypes.TEXT, allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: true },
      reason_message: { type: DataTypes.JSONB, allowNull: true },
      subject: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
      sender: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
      size: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      card_id: { type: DataTypes.BIGINT, allowNull: true },
      comment_id: { type: DataTypes.BIGINT, allowNull: true },
      raw_sha256: { type: DataTypes.TEXT, allowNull: true },
      server_done: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      handled_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'mail_messages', modelName: 'MailMessage', timestamps: false },
  );
  return Bound;
}
