// Faces, people, each attachment's recognition state, the recognition
// thresholds and the log of forgotten people (migration 1100); the faces
// services read and write them (app/services/faces*.ts, recognition*.ts).
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Person extends Model<InferAttributes<Person>, InferCreationAttributes<Person>> {
  declare id: CreationOptional<number>;
  declare name: CreationOptional<string | null>;
  declare created_by: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class Face extends Model<InferAttributes<Face>, InferCreationAttributes<Face>> {
  declare id: CreationOptional<number>;
  declare media_id: number;
  declare card_id: number;
  declare idx: number;
  declare box: unknown;
  declare score: number;
  declare landmarks: unknown;
  declare descriptor: number[];
  declare crop: Buffer;
  declare person_id: CreationOptional<number | null>;
  declare status: CreationOptional<string>;
  declare created_at: CreationOptional<Date>;
}

export class MediaFaces extends Model<InferAttributes<MediaFaces>, InferCreationAttributes<MediaFaces>> {
  declare media_id: number;
  declare state: string;
  declare error: CreationOptional<string | null>;
  declare faces: CreationOptional<number>;
  declare width: CreationOptional<number | null>;
  declare height: CreationOptional<number | null>;
  declare job_id: CreationOptional<number | null>;
  declare updated_at: CreationOptional<Date>;
}

export class RecognitionSettingsRow extends Model<
  InferAttributes<RecognitionSettingsRow>,
  InferCreationAttributes<RecognitionSettingsRow>
> {
  declare id: number;
  declare min_score: number;
  declare min_size: number;
  declare match_distance: number;
  declare off_types: CreationOptional<string[]>;
  declare updated_by: CreationOptional<number | null>;
  declare updated_at: CreationOptional<Date>;
}

export class RecognitionEvent extends Model<InferAttributes<RecognitionEvent>, InferCreationAttributes<RecognitionEvent>> {
  declare id: CreationOptional<number>;
  declare kind: string;
  declare person_id: CreationOptional<number | null>;
  declare person_name: CreationOptional<string | null>;
  declare faces: CreationOptional<number>;
  declare user_id: CreationOptional<number | null>;
  declare at: CreationOptional<Date>;
}

export class RecognitionWorker extends Model<InferAttributes<RecognitionWorker>, InferCreationAttributes<RecognitionWorker>> {
  declare id: string;
  declare model: string;
  declare loaded_at: CreationOptional<Date | null>;
  declare seen_at: CreationOptional<Date>;
}

export interface FaceModels {
  Person: typeof Person;
  Face: typeof Face;
  MediaFaces: typeof MediaFaces;
  RecognitionSettingsRow: typeof RecognitionSettingsRow;
  RecognitionEvent: typeof RecognitionEvent;
  RecognitionWorker: typeof RecognitionWorker;
}

// Fresh objects for each column: Sequelize writes into the attribute objects it is given.
const id = () => ({ type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false });
const now = () => ({ type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW });

export function defineFaceModels(sequelize: Sequelize): FaceModels {
  class BoundPerson extends Person {}
  BoundPerson.init(
    {
      id: id(),
      name: { type: DataTypes.TEXT, allowNull: true },
      created_by: { type: DataTypes.BIGINT, allowNull: true },
      created_at: now(),
      updated_at: now(),
    },
    { sequelize, tableName: 'people', modelName: 'Person', timestamps: false },
  );
  class BoundFace extends Face {}
  BoundFace.init(
    {
      id: id(),
      media_id: { type: DataTypes.BIGINT, allowNull: false },
      card_id: { type: DataTypes.BIGINT, allowNull: false },
      idx: { type: DataTypes.INTEGER, allowNull: false },
      box: { type: DataTypes.JSONB, allowNull: false },
      score: { type: DataTypes.REAL, allowNull: false },
      landmarks: { type: DataTypes.JSONB, allowNull: false },
      descriptor: { type: DataTypes.ARRAY(DataTypes.REAL), allowNull: false },
      crop: { type: DataTypes.BLOB, allowNull: false },
      person_id: { type: DataTypes.BIGINT, allowNull: true },
      status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'suggested' },
      created_at: now(),
    },
    { sequelize, tableName: 'faces', modelName: 'Face', timestamps: false },
  );
  class BoundMediaFaces extends MediaFaces {}
  BoundMediaFaces.init(
    {
      media_id: { type: DataTypes.BIGINT, primaryKey: true, allowNull: false },
      state: { type: DataTypes.TEXT, allowNull: false },
      error: { type: DataTypes.TEXT, allowNull: true },
      faces: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      width: { type: DataTypes.INTEGER, allowNull: true },
      height: { type: DataTypes.INTEGER, allowNull: true },
      job_id: { type: DataTypes.BIGINT, allowNull: true },
      updated_at: now(),
    },
    { sequelize, tableName: 'media_faces', modelName: 'MediaFaces', timestamps: false },
  );
  class BoundSettings extends RecognitionSettingsRow {}
  BoundSettings.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
      min_score: { type: DataTypes.REAL, allowNull: false },
      min_size: { type: DataTypes.INTEGER, allowNull: false },
      match_distance: { type: DataTypes.REAL, allowNull: false },
      off_types: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] },
      updated_by: { type: DataTypes.BIGINT, allowNull: true },
      updated_at: now(),
    },
    { sequelize, tableName: 'recognition_settings', modelName: 'RecognitionSettingsRow', timestamps: false },
  );
  class BoundEvent extends RecognitionEvent {}
  BoundEvent.init(
    {
      id: id(),
      kind: { type: DataTypes.TEXT, allowNull: false },
      person_id: { type: DataTypes.BIGINT, allowNull: true },
      person_name: { type: DataTypes.TEXT, allowNull: true },
      faces: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      user_id: { type: DataTypes.BIGINT, allowNull: true },
      at: now(),
    },
    { sequelize, tableName: 'recognition_events', modelName: 'RecognitionEvent', timestamps: false },
  );
  class BoundWorker extends RecognitionWorker {}
  BoundWorker.init(
    {
      id: { type: DataTypes.TEXT, primaryKey: true, allowNull: false },
      model: { type: DataTypes.TEXT, allowNull: false },
      loaded_at: { type: DataTypes.DATE, allowNull: true },
      seen_at: now(),
    },
    { sequelize, tableName: 'recognition_workers', modelName: 'RecognitionWorker', timestamps: false },
  );
  return {
    RecognitionWorker: BoundWorker,
    Person: BoundPerson,
    Face: BoundFace,
    MediaFaces: BoundMediaFaces,
    RecognitionSettingsRow: BoundSettings,
    RecognitionEvent: BoundEvent,
  };
}
