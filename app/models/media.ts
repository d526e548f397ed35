// Attachments and the folder import that brings some of them in.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Media extends Model<InferAttributes<Media>, InferCreationAttributes<Media>> {
  declare id: CreationOptional<number>;
  declare card_id: number;
  declare field: CreationOptional<string | null>;
  declare original_name: string;
  declare type: string;
  declare size: number;
  declare sha256: string;
  declare width: CreationOptional<number | null>;
  declare height: CreationOptional<number | null>;
  declare state: CreationOptional<string>;
  declare error: CreationOptional<string | null>;
  declare error_message: CreationOptional<unknown | null>;
  declare metadata: CreationOptional<unknown>;
  declare dominant_color: CreationOptional<string | null>;
  declare thumbs_version: CreationOptional<number>;
  declare created_by: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
}

/** A file attached to a card (an image field or the attachments), with its processing state. */
export function defineMedia(sequelize: Sequelize): typeof Media {
  class Bound extends Media {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      card_id: { type: DataTypes.BIGINT, allowNull: false },
      field: { type: DataTypes.TEXT, allowNull: true },
      original_name: { type: DataTypes.TEXT, allowNull: false },
      type: { type: DataTypes.TEXT, allowNull: false },
      size: { type: DataTypes.BIGINT, allowNull: false },
      sha256: { type: DataTypes.TEXT, allowNull: false },
      width: { type: DataTypes.INTEGER, allowNull: true },
      height: { type: DataTypes.INTEGER, allowNull: true },
      state: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'queued' },
      error: { type: DataTypes.TEXT, allowNull: true },
      error_message: { type: DataTypes.JSONB, allowNull: true },
      metadata: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      dominant_color: { type: DataTypes.TEXT, allowNull: true },
      thumbs_version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      created_by: { type: DataTypes.BIGINT, allowNull: true },
      created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { sequelize, tableName: 'media', modelName: 'Media', updatedAt: false },
  );
  return Bound;
}

export class MediaImport extends Model<InferAttributes<MediaImport>, InferCreationAttributes<MediaImport>> {
  declare id: CreationOptional<number>;
  declare folder: string;
  declare path: string;
  declare sha256: string;
  declare media_id: CreationOptional<number | null>;
  declare imported_at: CreationOptional<Date>;
  declare vanished_at: CreationOptional<Date | null>;
}

/** A file seen in a watched folder, and the attachment it became. */
export function defineMediaImport(sequelize: Sequelize): typeof MediaImport {
  class Bound extends MediaImport {}
  Bound.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false },
      folder: { type: DataTypes.TEXT, allowNull: false },
      path: { type: DataTypes.TEXT, allowNull: false },
      sha256: { type: DataTypes.TEXT, allowNull: false },
      media_id: { type: DataTypes.BIGINT, allowNull: true },
      imported_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
      vanished_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'media_imports', modelName: 'MediaImport', timestamps: false },
  );
  return Bound;
}
