// A stored version of a card type, and how one is saved
// (app/services/card-type-store.ts, which re-exports these).
import type { Transaction } from '#app/db/connection';
import type { TypeImpact } from '#app/services/card-type-changes';

export type VersionSource = 'file' | 'browser' | 'import' | 'restore';

export interface TypeVersion {
  card_type: string;
  version: number;
  definition: Record<string, unknown>;
  source: VersionSource;
  file_hash: string | null;
  comment: string;
  author_id: number | null;
  author_name: string | null;
  created_at: Date;
}

export interface SaveOptions {
  /** The version the change was made on (null: a new type); another saved since → ConflictError. */
  expected: number | null;
  comment?: string;
  /** Removed stages that hold cards → the stage their cards go to. */
  moves?: Record<string, string>;
  source?: VersionSource;
  authorId?: number | null;
  /** Check everything and write nothing (a dry run). */
  dryRun?: boolean;
  /**
   * Save inside the caller's transaction (several types in one go, `types
   * import`): all or nothing; the caller calls load() after its commit.
   */
  transaction?: Transaction;
  /** Other types' new definitions saved in the same go: the set is checked with them in place of their stored versions. */
  alongside?: Record<string, unknown>[];
  /** Drops the rights set per role on this type (role_permissions, /admin/roles): the version's declared rights become the rights. */
  resetRights?: boolean;
}

export interface SaveResult {
  version: number;
  impact: TypeImpact;
  /** The job moving cards out of removed stages, if any. */
  moveJob: number | null;
}
