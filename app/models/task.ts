import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Task extends Model<InferAttributes<Task>, InferCreationAttributes<Task>> {
  declare id: CreationOptional<number>;
  declare title: string;
  declare description: CreationOptional<string>;
  declare card_id: CreationOptional<number | null>;
  declare assignee_id: number;
  declare created_by: CreationOptional<number | null>;
  declare due_at: Date;
  declare status: CreationOptional<string>;
  declare auto_key: CreationOptional<string | null>;
  declare overdue_at: CreationOptional<Date | null>;
  declare due_soon_notified_at: CreationOptional<Date | null>;
  declare overdue_notified_at: CreationOptional<Date | null>;
  declare escalated_at: CreationOptional<Date | null>;
  declare closed_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

/** A task with a deadline, on its own or on a card. */
export function defineTask(sequelize: Sequelize): typeof Task {
  class Bound extends Task {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      title: { type: DataTypes.TEXT, allowNull: false },
      description: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
      card_id: { type: DataTypes.BIGINT, allowNull: true },
      assignee_id: { type: DataTypes.BIGINT, allowNull: false },
      created_by: { type: DataTypes.BIGINT, allowNull: true },
      due_at: { type: DataTypes.DATE, allowNull: false },
      status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'open' },
      auto_key: { type: DataTypes.TEXT, allowNull: true },
      overdue_at: { type: DataTypes.DATE, allowNull: true },
      due_soon_notified_at: { type: DataTypes.DATE, allowNull: true },
      overdue_notified_at: { type: DataTypes.DATE, allowNull: true },
      escalated_at: { type: DataTypes.DATE, allowNull: true },
      closed_at: { type: DataTypes.DATE, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'tasks', modelName: 'Task' },
  );
  return Bound;
}
