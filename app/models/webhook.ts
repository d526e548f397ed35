// A webhook and its deliveries (app/services/webhooks.ts reads and writes
// them with its own statements; the models are the tables' record).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Webhook extends Model<InferAttributes<Webhook>, InferCreationAttributes<Webhook>> {
  declare id: CreationOptional<number>;
  declare url: string;
  declare card_type: CreationOptional<string | null>;
  declare events: string[];
  declare secret_sealed: string;
  declare enabled: CreationOptional<boolean>;
  declare created_by: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
}

export class WebhookDelivery extends Model<InferAttributes<WebhookDelivery>, InferCreationAttributes<WebhookDelivery>> {
  declare id: CreationOptional<number>;
  declare webhook_id: number;
  declare event: string;
  declare body: string;
  declare state: CreationOptional<'pending' | 'retrying' | 'delivered' | 'failed'>;
  declare attempts: CreationOptional<number>;
  declare response_status: CreationOptional<number | null>;
  declare response_body: CreationOptional<string | null>;
  declare error: CreationOptional<string | null>;
  /** Once per webhook: a second emit of the same event key adds nothing (migration 0930). */
  declare event_key: CreationOptional<string | null>;
  declare job_id: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
  declare finished_at: CreationOptional<Date | null>;
}

export function defineWebhook(sequelize: Sequelize): typeof Webhook {
  class Bound extends Webhook {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      url: { type: DataTypes.TEXT, allowNull: false },
      card_type: { type: DataTypes.TEXT, allowNull: true },
      events: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false },
      secret_sealed: { type: DataTypes.TEXT, allowNull: false },
      enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      created_by: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'webhooks', modelName: 'Webhook', timestamps: false },
  );
  return Bound;
}

export function defineWebhookDelivery(sequelize: Sequelize): typeof WebhookDelivery {
  class Bound extends WebhookDelivery {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      webhook_id: { type: DataTypes.BIGINT, allowNull: false },
      event: { type: DataTypes.TEXT, allowNull: false },
      body: { type: DataTypes.TEXT, allowNull: false },
      state: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'pending' },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      response_status: { type: DataTypes.INTEGER, allowNull: true },
      response_body: { type: DataTypes.TEXT, allowNull: true },
      error: { type: DataTypes.TEXT, allowNull: true },
      event_key: { type: DataTypes.TEXT, allowNull: true },
      job_id: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      finished_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'webhook_deliveries', modelName: 'WebhookDelivery', timestamps: false },
  );
  return Bound;
}
