// Grouping faces by person: a face joins the group of its nearest face (in
// another photo) whose descriptor lies within the match distance; near only
// faces in no group, the two start a new, unnamed group. Rejected faces and
// faces of the same photo never pull a face in (one photo does not show one
// person twice). Runs incrementally in the transaction that stores a
// photo's faces, and in full as the faces.regroup job.
//
// What MUST hold: one grouping at a time (a transaction-scoped advisory
// lock), so two workers storing the same person's faces at once do not make
// two groups of them; a full regroup keeps every named person and every
// confirmed face where the operator put it.
import type { Database, Transaction } from '#app/db/connection';

const LOCK = "pg_advisory_xact_lock(hashtext('orbis-face-groups:' || current_schema()))";

// Euclidean distance between the descriptors of f and the parameter $1.
const DISTANCE = 'sqrt((select sum((a - b) * (a - b)) from unnest(f.descriptor, $1::real[]) as x(a, b)))';

/** Puts each given face (not yet in a group) into the group of its nearest match, or a new group with an ungrouped match. */
export async function groupNewFaces(db: Database, t: Transaction, faceIds: readonly number[], matchDistance: number): Promise<number> {
  if (!faceIds.length) return 0;
  await db.exec(`select ${LOCK}`, [], t);
  let grouped = 0;
  for (const id of faceIds) {
    const [face] = await db.rows<{ media_id: number; descriptor: number[]; person_id: number | null; status: string }>(
      'select media_id, descriptor, person_id, status from faces where id = $1',
      [id],
      t,
    );
    if (!face || face.person_id || face.status === 'rejected') continue;
    const [near] = await db.rows<{ id: number; person_id: number | null; d: number }>(
      `select f.id, f.person_id, ${DISTANCE} as d from faces f
        where f.media_id <> $2 and f.status <> 'rejected' and f.id <> $3
        order by d limit 1`,
      [face.descriptor, face.media_id, id],
      t,
    );
    if (!near || near.d > matchDistance) continue;
    let person = near.person_id;
    if (!person) {
      const [p] = await db.rows<{ id: number }>('insert into people default values returning id', [], t);
      person = Number(p.id);
      await db.exec("update faces set person_id = $1, status = 'suggested' where id = $2", [person, near.id], t);
    }
    await db.exec("update faces set person_id = $1, status = 'suggested' where id = $2", [person, id], t);
    grouped++;
  }
  return grouped;
}

/** Regroups every face that an operator did not place: suggested faces are taken out of their groups, empty unnamed groups go, then each is grouped again. */
export async function regroupAll(
  db: Database,
  matchDistance: number,
  progress?: (done: number, total: number) => Promise<void>,
): Promise<number> {
  const ids = await db.transaction(async (t) => {
    await db.exec(`select ${LOCK}`, [], t);
    await db.exec("update faces set person_id = null where status = 'suggested' and person_id is not null", [], t);
    await db.exec('delete from people p where p.name is null and not exists (select 1 from faces f where f.person_id = p.id)', [], t);
    const rows = await db.rows<{ id: number }>("select id from faces where person_id is null and status = 'suggested' order by id", [], t);
    return rows.map((r) => Number(r.id));
  });
  let grouped = 0;
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    grouped += await db.transaction((t) => groupNewFaces(db, t, batch, matchDistance));
    await progress?.(Math.min(i + 200, ids.length), ids.length);
  }
  return grouped;
}
