import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Reminder extends Model<InferAttributes<Reminder>, InferCreationAttributes<Reminder>> {
  declare id: CreationOptional<number>;
  declare user_id: number;
  declare task_id: CreationOptional<number | null>;
  declare card_id: CreationOptional<number | null>;
  declare remind_at: Date;
  declare note: CreationOptional<string>;
  declare delivered_at: CreationOptional<Date | null>;
  declare cancelled_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
}

/** A reminder a user set on a task or a card. */
export function defineReminder(sequelize: Sequelize): typeof Reminder {
  class Bound extends Reminder {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      task_id: { type: DataTypes.BIGINT, allowNull: true },
      card_id: { type: DataTypes.BIGINT, allowNull: true },
      remind_at: { type: DataTypes.DATE, allowNull: false },
      note: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
      delivered_at: { type: DataTypes.DATE, allowNull: true },
      cancelled_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'reminders', modelName: 'Reminder', updatedAt: false },
  );
  return Bound;
}
