// The working calendar's one row and its holidays (migration 0970); the
// calendar service reads and writes them (app/services/work-calendar.ts).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class WorkCalendarRow extends Model<InferAttributes<WorkCalendarRow>, InferCreationAttributes<WorkCalendarRow>> {
  declare id: number;
  declare time_zone: string;
  declare days: number[];
  declare start_minute: number;
  declare end_minute: number;
  declare updated_at: CreationOptional<Date>;
}

export class Holiday extends Model<InferAttributes<Holiday>, InferCreationAttributes<Holiday>> {
  declare day: string;
  declare name: CreationOptional<string>;
}

export function defineWorkCalendar(sequelize: Sequelize): { WorkCalendarRow: typeof WorkCalendarRow; Holiday: typeof Holiday } {
  class BoundCalendar extends WorkCalendarRow {}
  BoundCalendar.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
      time_zone: { type: DataTypes.TEXT, allowNull: false },
      days: { type: DataTypes.ARRAY(DataTypes.INTEGER), allowNull: false },
      start_minute: { type: DataTypes.INTEGER, allowNull: false },
      end_minute: { type: DataTypes.INTEGER, allowNull: false },
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'work_calendar', modelName: 'WorkCalendarRow', timestamps: false },
  );
  class BoundHoliday extends Holiday {}
  BoundHoliday.init(
    {
      day: { type: DataTypes.DATEONLY, primaryKey: true, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
    },
    { sequelize, tableName: 'holidays', modelName: 'Holiday', timestamps: false },
  );
  return { WorkCalendarRow: BoundCalendar, Holiday: BoundHoliday };
}
