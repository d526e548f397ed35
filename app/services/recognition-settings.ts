// The recognition thresholds an administrator sets on /admin/recognition:
// the detector's minimum score, the minimum face size (px on the 1600 px
// rendition), the match distance that groups faces into a person, and the
// card types recognition is off for (faces are personal data). One row;
// none means the defaults. Read by every faces job (one small query), so a
// change applies to the next photo in every process without a signal.
import type { Database, Transaction } from '#app/db/connection';
import { msg, type Text } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';

export interface RecognitionSettings {
  minScore: number;
  minSize: number;
  matchDistance: number;
  offTypes: string[];
}

/** 0.45: the package's samples put different people in one photo at 0.46–0.54 apart, one person at under 0.3. */
export const DEFAULT_RECOGNITION: Readonly<RecognitionSettings> = { minScore: 0.5, minSize: 40, matchDistance: 0.45, offTypes: [] };

export async function readRecognitionSettings(db: Database, t?: Transaction | null): Promise<RecognitionSettings> {
  const [row] = await db.rows<{ min_score: number; min_size: number; match_distance: number; off_types: string[] }>(
    'select min_score, min_size, match_distance, off_types from recognition_settings where id = 1',
    [],
    t ?? null,
  );
  if (!row) return { ...DEFAULT_RECOGNITION, offTypes: [] };
  return { minScore: row.min_score, minSize: row.min_size, matchDistance: row.match_distance, offTypes: row.off_types };
}

/** The form's text as settings, or a ValidationError naming each bad field (the input is kept by the page). */
export function parseRecognitionForm(body: Record<string, unknown>, knownTypes: readonly string[]): RecognitionSettings {
  const errors: Record<string, Text> = {};
  const num = (name: string, min: number, max: number): number => {
    const text = String(body[name] ?? '')
      .trim()
      .replace(',', '.');
    const n = Number(text);
    if (!text || !Number.isFinite(n) || n <= min || n >= max) {
      errors[name] = msg('recognition.errors.between', { min, max });
      return 0;
    }
    return n;
  };
  const minScore = num('minScore', 0, 1);
  const matchDistance = num('matchDistance', 0, 2);
  const minSize = num('minSize', -1, 1601);
  if (!errors.minSize && !Number.isInteger(minSize)) errors.minSize = msg('recognition.errors.whole');
  const on = new Set([body.on ?? []].flat().map(String));
  const offTypes = knownTypes.filter((t) => !on.has(t));
  if (Object.keys(errors).length) throw new ValidationError(msg('recognition.errors.summary'), errors);
  return { minScore, minSize, matchDistance, offTypes };
}

export async function saveRecognitionSettings(db: Database, t: Transaction, s: RecognitionSettings, userId: number): Promise<void> {
  await db.exec(
    `insert into recognition_settings (id, min_score, min_size, match_distance, off_types, updated_by, updated_at)
     values (1, $1, $2, $3, $4, $5, now())
     on conflict (id) do update set min_score = $1, min_size = $2, match_distance = $3, off_types = $4, updated_by = $5, updated_at = now()`,
    [s.minScore, s.minSize, s.matchDistance, s.offTypes, userId],
    t,
  );
}
