// Cards: the card row, its per-type number counter and its history.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Card extends Model<InferAttributes<Card>, InferCreationAttributes<Card>> {
  declare id: CreationOptional<number>;
  declare type: string;
  declare number: string;
  declare title: string;
  declare stage: string;
  declare assignee_id: CreationOptional<number | null>;
  declare owner_id: number;
  declare due_at: CreationOptional<Date | null>;
  declare version: CreationOptional<number>;
  declare data: CreationOptional<unknown>;
  declare search: CreationOptional<string>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
  declare deleted_at: CreationOptional<Date | null>;
}

/** A card of a card type: its fields in `data`, its stage in the process. */
export function defineCard(sequelize: Sequelize): typeof Card {
  class Bound extends Card {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      type: { type: DataTypes.TEXT, allowNull: false },
      number: { type: DataTypes.TEXT, allowNull: false },
      title: { type: DataTypes.TEXT, allowNull: false },
      stage: { type: DataTypes.TEXT, allowNull: false },
      assignee_id: { type: DataTypes.BIGINT, allowNull: true },
      owner_id: { type: DataTypes.BIGINT, allowNull: false },
      due_at: { type: DataTypes.DATE, allowNull: true },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
      data: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      search: { type: DataTypes.TSVECTOR, allowNull: false, defaultValue: '' },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      deleted_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'cards', modelName: 'Card' },
  );
  return Bound;
}

export class CardCounter extends Model<InferAttributes<CardCounter>, InferCreationAttributes<CardCounter>> {
  declare type: string;
  declare last_number: CreationOptional<number>;
}

/** The last number given to a card of each type. */
export function defineCardCounter(sequelize: Sequelize): typeof CardCounter {
  class Bound extends CardCounter {}
  Bound.init(
    {
      type: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      last_number: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    },
    { sequelize, tableName: 'card_counters', modelName: 'CardCounter', timestamps: false },
  );
  return Bound;
}

export class CardHistory extends Model<InferAttributes<CardHistory>, InferCreationAttributes<CardHistory>> {
  declare id: CreationOptional<number>;
  declare card_id: number;
  declare version: CreationOptional<number | null>;
  declare at: Date;
  declare user_id: CreationOptional<number | null>;
  declare kind: string;
  declare transition: CreationOptional<string | null>;
  declare from_stage: CreationOptional<string | null>;
  declare to_stage: CreationOptional<string | null>;
  declare changes: CreationOptional<unknown>;
  declare job_id: CreationOptional<number | null>;
  declare recorded_at: CreationOptional<Date>;
  declare event: CreationOptional<string | null>;
  declare source: CreationOptional<string | null>;
}

/** One change of a card (a version) or an event on it (attachments), written by the audit job. */
export function defineCardHistory(sequelize: Sequelize): typeof CardHistory {
  class Bound extends CardHistory {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      card_id: { type: DataTypes.BIGINT, allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: true },
      at: { type: DataTypes.DATE, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: true },
      kind: { type: DataTypes.TEXT, allowNull: false },
      transition: { type: DataTypes.TEXT, allowNull: true },
      from_stage: { type: DataTypes.TEXT, allowNull: true },
      to_stage: { type: DataTypes.TEXT, allowNull: true },
      changes: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
      job_id: { type: DataTypes.BIGINT, allowNull: true },
      recorded_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      event: { type: DataTypes.TEXT, allowNull: true },
      source: { type: DataTypes.TEXT, allowNull: true },
    },
    { sequelize, tableName: 'card_history', modelName: 'CardHistory', timestamps: false },
  );
  return Bound;
}
