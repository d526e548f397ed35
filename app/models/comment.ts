// Talk on a card: comments, the bodies their edits and deletes replaced, and
// the card's watchers (migration 0760).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class CardComment extends Model<InferAttributes<CardComment>, InferCreationAttributes<CardComment>> {
  declare id: CreationOptional<number>;
  declare card_id: number;
  declare user_id: number;
  declare body: string;
  declare created_at: CreationOptional<Date>;
  declare edited_at: CreationOptional<Date | null>;
  declare deleted_at: CreationOptional<Date | null>;
}

/** A comment on a card (markdown subset; a deleted one keeps its row). */
export function defineCardComment(sequelize: Sequelize): typeof CardComment {
  class Bound extends CardComment {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      card_id: { type: DataTypes.BIGINT, allowNull: false },
      user_id: { type: DataTypes.BIGINT, allowNull: false },
      body: { type: DataTypes.TEXT, allowNull: false },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      edited_at: { type: DataTypes.DATE, allowNull: true },
      deleted_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'card_comments', modelName: 'CardComment', timestamps: false },
  );
  return Bound;
}

export class CardCommentRevision extends Model<InferAttributes<CardCommentRevision>, InferCreationAttributes<CardCommentRevision>> {
  declare id: CreationOptional<number>;
  declare comment_id: number;
  declare body: string;
  declare replaced_at: CreationOptional<Date>;
  declare replaced_by: CreationOptional<number | null>;
  declare action: string;
}

/** A comment's body as it was before an edit or a delete. */
export function defineCardCommentRevision(sequelize: Sequelize): typeof CardCommentRevision {
  class Bound extends CardCommentRevision {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      comment_id: { type: DataTypes.BIGINT, allowNull: false },
      body: { type: DataTypes.TEXT, allowNull: false },
      replaced_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      replaced_by: { type: DataTypes.BIGINT, allowNull: true },
      action: { type: DataTypes.TEXT, allowNull: false },
    },
    { sequelize, tableName: 'card_comment_revisions', modelName: 'CardCommentRevision', timestamps: false },
  );
  return Bound;
}

export class CardWatcher extends Model<InferAttributes<CardWatcher>, InferCreationAttributes<CardWatcher>> {
  declare card_id: number;
  declare user_id: number;
  declare watching: CreationOptional<boolean>;
  declare since: CreationOptional<Date>;
}

/** A user who hears of a card's changes (`watching` false: they chose not to). */
export function defineCardWatcher(sequelize: Sequelize): typeof CardWatcher {
  class Bound extends CardWatcher {}
  Bound.init(
    {
      card_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      user_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      watching: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      since: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'card_watchers', modelName: 'CardWatcher', timestamps: false },
  );
  return Bound;
}
