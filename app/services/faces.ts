// Faces of image attachments: what the images.faces job found (stored once
// per attachment however often the job runs), each attachment's recognition
// state, and the reads behind GET /media/:id/faces and the crops.
//
// What MUST hold:
// - idempotent: a run's faces replace the attachment's earlier ones (upsert
//   by (media id, index), the rest deleted, and the state, in ONE
//   transaction locking the media row), so a job run again after a worker
//   died mid-job stores its faces once; a face found again keeps its id and
//   its person (an operator's confirmation survives "run again");
// - a crop is served only to a reader of the card (the caller checks the
//   media row through MediaService.getForUser first);
// - the faces and crops of an attachment go with it (on delete cascade).
import type { Database, Transaction } from '#app/db/connection';
import type { FaceBox, FoundFace } from '#app/services/face-engine';
import { groupNewFaces } from '#app/services/face-groups';

export type FacesState = 'waiting' | 'running' | 'done' | 'failed';

export interface FaceView {
  id: number;
  box: FaceBox;
  score: number;
  person?: { id: number; name: string | null; status: string };
}

export interface MediaFacesView {
  state: FacesState;
  error?: string;
  /** The size of the image the boxes are in. */
  size?: { w: number; h: number };
  /** False: the attachment was never put to recognition. */
  recognised?: false;
  faces: FaceView[];
}

export interface StoredFace extends FoundFace {
  crop: Buffer;
}

// The state as recorded, except that a job the engine failed without running it
// (its thumbnails job failed, or it was cancelled) is failed, with the cause.
const STATE_SQL = `
  select mf.media_id, mf.faces, mf.width, mf.height,
         case when mf.state in ('waiting', 'running') and j.state in ('failed', 'cancelled') then 'failed' else mf.state end as state,
         case when mf.state in ('waiting', 'running') and j.state in ('failed', 'cancelled')
              then case when m.state = 'failed' then 'the thumbnails failed: ' || coalesce(m.error, j.error, '') else coalesce(j.error, j.state) end
              else mf.error end as error
    from media_faces mf join media m on m.id = mf.media_id left join jobs j on j.id = mf.job_id`;

// A face found again in the same place of the same photo (a re-run, other thresholds): its descriptor barely moved.
const SAME_FACE = 'sqrt((select sum((a - b) * (a - b)) from unnest(faces.descriptor, excluded.descriptor) as x(a, b))) < 0.2';

export class FacesService {
  constructor(private readonly db: Database) {}

  /** Marks an attachment's recognition state (waiting when enqueued, running when claimed, failed with the reason). */
  async setState(
    mediaId: number,
    state: FacesState,
    extra: { error?: string | null; jobId?: number } = {},
    t?: Transaction | null,
  ): Promise<void> {
    await this.db.exec(
      `insert into media_faces (media_id, state, error, job_id, updated_at)
       select $1, $2, $3, $4, now() where exists (select 1 from media where id = $1)
       on conflict (media_id) do update set state = $2, error = $3, job_id = coalesce($4, media_faces.job_id), updated_at = now()`,
      [mediaId, state, extra.error ?? null, extra.jobId ?? null],
      t ?? null,
    );
  }

  /**
   * The faces of one run, replacing earlier ones, and the state `done`, in one
   * transaction; the new faces are grouped (within the match distance) in it too.
   * Returns how many were stored (0 when the attachment is gone meanwhile).
   */
  async store(mediaId: number, faces: readonly StoredFace[], matchDistance: number, size?: { w: number; h: number }): Promise<number> {
    return this.db.transaction(async (t) => {
      const [media] = await this.db.rows<{ card_id: number }>('select card_id from media where id = $1 for update', [mediaId], t);
      if (!media) return 0;
      await this.db.exec('delete from faces where media_id = $1 and idx >= $2', [mediaId, faces.length], t);
      const ids: number[] = [];
      for (const [idx, f] of faces.entries()) {
        // The same face found again keeps its row (its id, its crop's URL) and what an operator said of it.
        const [row] = await this.db.rows<{ id: number }>(
          `insert into faces (media_id, card_id, idx, box, score, landmarks, descriptor, crop)
           values ($1, $2, $3, $4, $5, $6, $7::real[], $8)
           on conflict (media_id, idx) do update set box = excluded.box, score = excluded.score, landmarks = excluded.landmarks,
             crop = excluded.crop, descriptor = excluded.descriptor,
             person_id = case when ${SAME_FACE} then faces.person_id end,
             status = case when ${SAME_FACE} then faces.status else 'suggested' end
           returning id`,
          [mediaId, media.card_id, idx, JSON.stringify(f.box), f.score, JSON.stringify(f.landmarks), f.descriptor, f.crop],
          t,
        );
        ids.push(Number(row.id));
      }
      await this.db.exec(
        `insert into media_faces (media_id, state, error, faces, width, height, updated_at) values ($1, 'done', null, $2, $3, $4, now())
         on conflict (media_id) do update set state = 'done', error = null, faces = $2, width = $3, height = $4, updated_at = now()`,
        [mediaId, faces.length, size?.w ?? null, size?.h ?? null],
        t,
      );
      await groupNewFaces(this.db, t, ids, matchDistance);
      return faces.length;
    });
  }

  /** What GET /media/:id/faces answers (the caller checked the reader). */
  async forMedia(mediaId: number): Promise<MediaFacesView> {
    const [state] = await this.db.rows<{ state: FacesState; error: string | null; width: number | null; height: number | null }>(
      `${STATE_SQL} where mf.media_id = $1`,
      [mediaId],
    );
    const rows = await this.db.rows<{
      id: number;
      box: FaceBox;
      score: number;
      person_id: number | null;
      name: string | null;
      status: string;
    }>(
      `select f.id, f.box, f.score, f.person_id, p.name, f.status
         from faces f left join people p on p.id = f.person_id where f.media_id = $1 order by f.idx`,
      [mediaId],
    );
    // No state: never put to recognition (not an image, recognition off for its type, or attached before faces were found).
    const view: MediaFacesView = state ? { state: state.state, faces: [] } : { state: 'done', recognised: false, faces: [] };
    if (state?.error) view.error = state.error;
    if (state?.width && state.height) view.size = { w: state.width, h: state.height };
    for (const r of rows) {
      const face: FaceView = { id: Number(r.id), box: r.box, score: Math.round(r.score * 1000) / 1000 };
      if (r.person_id) face.person = { id: Number(r.person_id), name: r.name, status: r.status };
      view.faces.push(face);
    }
    return view;
  }

  /** Face counts and states of a card's attachments (the gallery's tiles). */
  async forCard(cardId: number): Promise<Map<number, { state: FacesState; faces: number; error: string | null }>> {
    const rows = await this.db.rows<{ media_id: number; state: FacesState; faces: number; error: string | null }>(
      `${STATE_SQL} where m.card_id = $1`,
      [cardId],
    );
    return new Map(rows.map((r) => [Number(r.media_id), { state: r.state, faces: r.faces, error: r.error }]));
  }

  /** A face's crop and the attachment it belongs to (the caller checks that attachment's reader). */
  async crop(faceId: number): Promise<{ mediaId: number; crop: Buffer } | null> {
    const [row] = await this.db.rows<{ media_id: number; crop: Buffer }>('select media_id, crop from faces where id = $1', [faceId]);
    return row ? { mediaId: Number(row.media_id), crop: row.crop } : null;
  }

  /** Removes the faces of every attachment of the given card types (recognition turned off for them); returns how many. */
  async purgeTypes(types: readonly string[]): Promise<number> {
    if (!types.length) return 0;
    return this.db.transaction(async (t) => {
      const n = await this.db.exec('delete from faces f using cards c where c.id = f.card_id and c.type = any($1::text[])', [types], t);
      await this.db.exec(
        'delete from media_faces mf using media m, cards c where m.id = mf.media_id and c.id = m.card_id and c.type = any($1::text[])',
        [types],
        t,
      );
      await this.db.exec(
        'delete from people p where not exists (select 1 from faces f where f.person_id = p.id) and p.name is null',
        [],
        t,
      );
      return n;
    });
  }
}
