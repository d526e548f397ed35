// People: the groups faces are put into (app/services/face-groups.ts), named
// and corrected by an operator — name a group, confirm or reject a suggested
// face, merge two groups, split faces off into a new one, forget a person.
//
// What MUST hold:
// - a viewer sees a person, and each of their photos and cards, only through
//   faces on cards that viewer may read (canReadCardSql); a person with no
//   such face is "not found" for them;
// - changes are for administrators (the caller checks), each in one transaction;
// - "forget this person" removes the name, the group and every face
//   (descriptor, crop) of it, and says so in recognition_events (who, when,
//   which name, how many faces) — the log keeps no descriptor.
import type { Database } from '#app/db/connection';
import { msg } from '#app/i18n/message';
import type { CardService } from '#app/services/cards';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { canReadCardSql, readPermissionsJson } from '#app/services/read-rights';
import type { SessionUser } from '#app/services/users';

export interface PersonSummary {
  id: number;
  name: string | null;
  faces: number;
  cover: { faceId: number; mediaId: number };
}

export interface PersonFace {
  id: number;
  media_id: number;
  card_id: number;
  card_type: string;
  card_number: string;
  card_title: string;
  status: 'suggested' | 'confirmed' | 'rejected';
  score: number;
}

export interface PersonPage {
  id: number;
  name: string | null;
  faces: PersonFace[];
  cards: { id: number; type: string; number: string; title: string; photos: number }[];
}

// The faces `u` may see: on a live card they may read.
const READABLE = `faces f join cards c on c.id = f.card_id join users u on u.id = $1 where ${canReadCardSql('$2')}`;

export class PeopleService {
  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
  ) {}

  private perm(): string {
    return readPermissionsJson(this.cards.types);
  }

  /** Every group with a face the viewer may see, named first. */
  async list(viewer: SessionUser): Promise<PersonSummary[]> {
    const rows = await this.db.rows<{ id: number; name: string | null; faces: number; face_id: number; media_id: number }>(
      `select p.id, p.name, count(*)::int as faces, (array_agg(f.id order by f.score desc))[1] as face_id,
              (array_agg(f.media_id order by f.score desc))[1] as media_id
         from faces f join people p on p.id = f.person_id join cards c on c.id = f.card_id join users u on u.id = $1
        where ${canReadCardSql('$2')}
        group by p.id, p.name order by p.name is null, p.name, p.id`,
      [viewer.id, this.perm()],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      faces: r.faces,
      cover: { faceId: Number(r.face_id), mediaId: Number(r.media_id) },
    }));
  }

  /** One person as the viewer may see them: their faces and the cards they are on; 404 when none is readable. */
  async get(viewer: SessionUser, id: number): Promise<PersonPage> {
    const [person] = await this.db.rows<{ id: number; name: string | null }>('select id, name from people where id = $1', [id]);
    if (!person) throw new NotFoundError(msg('people.errors.noPerson'));
    const faces = await this.db.rows<PersonFace>(
      `select f.id, f.media_id, f.card_id, c.type as card_type, c.number as card_number, c.title as card_title, f.status, f.score
         from ${READABLE} and f.person_id = $3 order by c.id desc, f.media_id, f.idx`,
      [viewer.id, this.perm(), id],
    );
    if (!faces.length) throw new NotFoundError(msg('people.errors.noPerson'));
    const cards = new Map<number, PersonPage['cards'][number] & { media: Set<number> }>();
    for (const f of faces) {
      const c = cards.get(Number(f.card_id)) ?? {
        id: Number(f.card_id),
        type: f.card_type,
        number: f.card_number,
        title: f.card_title,
        photos: 0,
        media: new Set(),
      };
      c.media.add(Number(f.media_id));
      c.photos = c.media.size;
      cards.set(c.id, c);
    }
    return {
      id: Number(person.id),
      name: person.name,
      faces: faces.map((f) => ({ ...f, id: Number(f.id), media_id: Number(f.media_id), card_id: Number(f.card_id) })),
      cards: [...cards.values()].map(({ media: _media, ...c }) => c),
    };
  }

  private async mustExist(id: number): Promise<void> {
    const [p] = await this.db.rows('select 1 from people where id = $1', [id]);
    if (!p) throw new NotFoundError(msg('people.errors.noPerson'));
  }

  /** Names a group ("Anna Petrova"); an empty name makes it unnamed again. */
  async rename(id: number, name: string): Promise<void> {
    const clean = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
    if (clean.length > 200) throw new ValidationError(msg('people.errors.nameTooLong'), { name: msg('people.errors.nameTooLong') });
    await this.mustExist(id);
    await this.db.exec('update people set name = $2, updated_at = now() where id = $1', [id, clean || null]);
  }

  /** An operator says a suggested face is (confirm) or is not (reject) this person. */
  async review(faceId: number, personId: number, verdict: 'confirm' | 'reject'): Promise<void> {
    const n =
      verdict === 'confirm'
        ? await this.db.exec("update faces set status = 'confirmed' where id = $1 and person_id = $2", [faceId, personId])
        : await this.db.exec("update faces set status = 'rejected', person_id = null where id = $1 and person_id = $2", [faceId, personId]);
    if (!n) throw new NotFoundError(msg('people.errors.noFace'));
  }

  /** Moves every face of `from` into `into`; `into` keeps its name (or takes `from`'s when it has none). */
  async merge(into: number, from: number): Promise<void> {
    if (into === from) throw new ValidationError(msg('people.errors.sameGroup'));
    await this.db.transaction(async (t) => {
      const rows = await this.db.rows<{ id: number; name: string | null }>(
        'select id, name from people where id = any($1::bigint[]) for update',
        [[into, from]],
        t,
      );
      if (rows.length !== 2) throw new NotFoundError(msg('people.errors.noPerson'));
      const fromName = rows.find((r) => Number(r.id) === from)!.name;
      await this.db.exec('update faces set person_id = $1 where person_id = $2', [into, from], t);
      await this.db.exec('update people set name = coalesce(name, $2), updated_at = now() where id = $1', [into, fromName], t);
      await this.db.exec('delete from people where id = $1', [from], t);
    });
  }

  /** Takes the given faces of a group into a new, unnamed group (confirmed there); returns its id. */
  async split(id: number, faceIds: readonly number[], userId: number): Promise<number> {
    if (!faceIds.length) throw new ValidationError(msg('people.errors.chooseFaces'));
    return this.db.transaction(async (t) => {
      const [p] = await this.db.rows<{ id: number }>('insert into people (created_by) values ($1) returning id', [userId], t);
      const n = await this.db.exec(
        "update faces set person_id = $1, status = 'confirmed' where person_id = $2 and id = any($3::bigint[])",
        [p.id, id, faceIds],
        t,
      );
      if (!n) throw new NotFoundError(msg('people.errors.noFace'));
      return Number(p.id);
    });
  }

  /** Forgets a person: the name, the group and every face of it go; the event is logged. Returns how many faces went. */
  async forget(id: number, userId: number): Promise<number> {
    return this.db.transaction(async (t) => {
      const [p] = await this.db.rows<{ name: string | null }>('select name from people where id = $1 for update', [id], t);
      if (!p) throw new NotFoundError(msg('people.errors.noPerson'));
      const gone = await this.db.rows<{ media_id: number }>('delete from faces where person_id = $1 returning media_id', [id], t);
      const n = gone.length;
      await this.db.exec(
        'update media_faces mf set faces = (select count(*) from faces f where f.media_id = mf.media_id) where mf.media_id = any($1::bigint[])',
        [gone.map((g) => g.media_id)],
        t,
      );
      await this.db.exec('delete from people where id = $1', [id], t);
      await this.db.exec(
        "insert into recognition_events (kind, person_id, person_name, faces, user_id) values ('forgot', $1, $2, $3, $4)",
        [id, p.name, n, userId],
        t,
      );
      return n;
    });
  }
}
