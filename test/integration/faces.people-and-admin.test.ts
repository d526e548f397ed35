// People and /admin/recognition, on faces stored with made-up descriptors
// (the grouping is the database's work; the engine has its own tests):
// faces within the match distance are grouped as they arrive; a person's
// page lists only the cards and photos the viewer may read; an
// administrator names a group, confirms and rejects faces, splits and
// merges groups, forgets a person (logged, every face gone); a
// non-administrator may change nothing. The admin page keeps bad input with
// the reason, turning a type off purges its faces through a job, a new match
// distance regroups, and "run again" enqueues recognition for a card.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startWorkers } from '#app/worker/start';
import { signedIn as adminSignedIn } from '#test/support/admin';
import type { TestClient } from '#test/support/app';
import { makePurchase } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { fixture, makeSessionUser, mediaApp, signedIn, upload, type MediaApp } from '#test/support/media';
import { eventually } from '#test/support/queue';

/** A unit-length-ish random vector, and one `d` away from it. */
function vector(seed: number): number[] {
  let x = seed;
  return Array.from({ length: 128 }, () => {
    x = (x * 16807) % 2147483647;
    return (x / 2147483647 - 0.5) * 0.2;
  });
}
function near(v: number[], d: number): number[] {
  const out = [...v];
  out[0] += d;
  return out;
}
const face = (descriptor: number[], x = 10) => ({
  box: { x, y: 10, w: 80, h: 80 },
  score: 0.9,
  landmarks: [] as [number, number][],
  descriptor,
  crop: Buffer.from('RIFF0000WEBP'),
});

describe('people and the recognition admin page', () => {
  let app: MediaApp;
  let olga: TestClient;
  let oscar: TestClient;
  let root: TestClient;
  const A = vector(7);
  const B = vector(99);
  const media: Record<string, number> = {};
  let personA: number;

  before(async () => {
    app = await mediaApp('local', { worker: false });
    const runner = await startWorkers(app.ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(3000));
    const olgaUser = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const oscarUser = await makeSessionUser(app.ctx, 'oscar@example.com', ['operator']);
    const olgaCard = await makePurchase(app.ctx, olgaUser);
    const oscarCard = await makePurchase(app.ctx, oscarUser);
    olga = await signedIn(app, 'olga@example.com');
    oscar = await signedIn(app, 'oscar@example.com');
    root = await adminSignedIn(app.ctx, app.url, 'root@example.com');
    const jpeg = await fixture('jpeg', 320, 200);
    for (const [name, c, card] of [
      ['one', olga, olgaCard],
      ['two', olga, olgaCard],
      ['theirs', oscar, oscarCard],
    ] as const) {
      const r = await upload(c, `/cards/purchase_request/${card.id}`, [{ name: `${name}.jpg`, data: jpeg }]);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      media[name] = r.body.media![0].id;
    }
    // As the images.faces job stores them: A and B in photo one, A again in photo two and in oscar's photo.
    const faces = app.ctx.services.media.faces;
    await faces.store(media.one, [face(A), face(B, 200)], 0.45);
    await faces.store(media.two, [face(near(A, 0.1))], 0.45);
    await faces.store(media.theirs, [face(near(A, 0.2))], 0.45);
  });

  const json = async (c: TestClient, mediaId: number) =>
    JSON.parse((await c.get(`/media/${mediaId}/faces`)).text) as { faces: { id: number; person?: { id: number; name: string | null } }[] };

  it('groups faces within the match distance as they arrive, and not the others', async () => {
    const one = await json(olga, media.one);
    const two = await json(olga, media.two);
    personA = one.faces[0].person!.id;
    assert.ok(personA);
    assert.equal(two.faces[0].person?.id, personA);
    assert.equal(one.faces[1].person, undefined, 'B has no one near');
  });

  it("lists a person's cards and photos only as far as the viewer may read them", async () => {
    const mine = await olga.get(`/people/${personA}`);
    assert.equal(mine.status, 200);
    assert.equal((mine.text.match(/data-face="/g) ?? []).length, 2, 'olga sees her two photos');
    const theirs = await oscar.get(`/people/${personA}`);
    assert.equal((theirs.text.match(/data-face="/g) ?? []).length, 1, 'oscar sees his one');
    assert.equal((await root.get(`/people/${personA}`)).text.match(/data-face="/g)?.length, 3);
    assert.match((await olga.get('/people')).text, new RegExp(`data-person="${personA}"`));
    assert.doesNotMatch(mine.text, /name-form/, 'no changes offered to a non-administrator');
  });

  it('lets an administrator name, reject, confirm, split and merge; nobody else', async () => {
    const refused = await olga.post(`/people/${personA}/name`, { name: 'Anna Petrova' }, { from: `/people/${personA}` });
    assert.notEqual(refused.status, 303);
    const named = await root.post(`/people/${personA}/name`, { name: 'Anna Petrova' }, { from: `/people/${personA}` });
    assert.equal(named.status, 303, named.text);
    assert.equal((await json(olga, media.one)).faces[0].person?.name, 'Anna Petrova');
    const long = await root.post(`/people/${personA}/name`, { name: 'x'.repeat(201) }, { from: `/people/${personA}` });
    assert.equal(long.status, 400);
    assert.match(long.text, /x{201}/, 'the input is kept');

    const theirFace = (await json(oscar, media.theirs)).faces[0].id;
    await root.post(`/people/${personA}/faces/${theirFace}/reject`, {}, { from: `/people/${personA}` });
    assert.equal((await json(oscar, media.theirs)).faces[0].person, undefined, 'rejected: out of the group');
    const twoFace = (await json(olga, media.two)).faces[0].id;
    await root.post(`/people/${personA}/faces/${twoFace}/confirm`, {}, { from: `/people/${personA}` });
    const [{ status }] = await app.ctx.db.rows<{ status: string }>('select status from faces where id = $1', [twoFace]);
    assert.equal(status, 'confirmed');

    const split = await root.post(`/people/${personA}/split`, { faces: [String(twoFace)] }, { from: `/people/${personA}` });
    assert.equal(split.status, 303);
    const newPerson = Number(/\/people\/(\d+)/.exec(split.location ?? '')![1]);
    assert.notEqual(newPerson, personA);
    assert.equal((await json(olga, media.two)).faces[0].person?.id, newPerson);
    const merged = await root.post(`/people/${personA}/merge`, { from: String(newPerson) }, { from: `/people/${personA}` });
    assert.equal(merged.status, 303);
    assert.equal((await json(olga, media.two)).faces[0].person?.id, personA);
    assert.equal((await root.get(`/people/${newPerson}`)).status, 404);
  });

  it('regroups when the match distance changes, and keeps bad input with the reason', async () => {
    const bad = await root.post(
      '/admin/recognition',
      { minScore: '1.5', minSize: 'ten', matchDistance: '0.45', on: 'purchase_request' },
      { from: '/admin/recognition' },
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /value="1.5"/);
    assert.match(bad.text, /data-field-error="minScore"/);
    assert.match(bad.text, /data-field-error="minSize"/);
    // B is 1.0+ from A: a distance of 1.9 puts every face in one group (A's, named).
    const ok = await root.post(
      '/admin/recognition',
      { minScore: '0.5', minSize: '40', matchDistance: '1.9', on: ['purchase_request', 'complaint'] },
      { from: '/admin/recognition' },
    );
    assert.equal(ok.status, 303, ok.text);
    await eventually(async () => (await json(olga, media.one)).faces[1].person?.id === personA, 20_000, 'B regrouped into A');
  });

  it('forgets a person: name, group and every face go, and it is logged', async () => {
    const r = await root.post(`/people/${personA}/forget`, {}, { from: `/people/${personA}` });
    assert.equal(r.status, 303);
    const [{ n }] = await app.ctx.db.rows<{ n: number }>('select count(*)::int as n from faces where person_id = $1', [personA]);
    assert.equal(n, 0);
    assert.equal((await json(olga, media.one)).faces.length, 0);
    const [event] = await app.ctx.db.rows<{ kind: string; person_name: string; faces: number }>(
      'select kind, person_name, faces from recognition_events',
    );
    assert.deepEqual([event.kind, event.person_name, event.faces], ['forgot', 'Anna Petrova', 3]);
    assert.equal((await root.get(`/people/${personA}`)).status, 404);
  });

  it('purges the faces of a type turned off (a job), and runs recognition again on a card', async () => {
    await app.ctx.services.media.faces.store(media.theirs, [face(A)], 0.45);
    const off = await root.post(
      '/admin/recognition',
      { minScore: '0.5', minSize: '40', matchDistance: '0.45', on: 'complaint' },
      { from: '/admin/recognition' },
    );
    assert.equal(off.status, 303);
    await eventually(async () => (await json(oscar, media.theirs)).faces.length === 0, 20_000, 'the faces purged');
    const page = await root.get('/admin/recognition');
    assert.match(page.text, /id="on-complaint" checked/);
    assert.doesNotMatch(page.text, /id="on-purchase_request" checked/);

    await root.post(
      '/admin/recognition',
      { minScore: '0.5', minSize: '40', matchDistance: '0.45', on: ['purchase_request', 'complaint'] },
      { from: '/admin/recognition' },
    );
    const [card] = await app.ctx.db.rows<{ card_id: number }>('select card_id from media where id = $1', [media.one]);
    await app.ctx.db.exec("update media set state = 'ready', width = 320 where card_id = $1", [card.card_id]);
    const run = await root.post('/admin/recognition/run', { scope: 'card', target: String(card.card_id) }, { from: '/admin/recognition' });
    assert.equal(run.status, 303);
    const jobs = await eventually(
      async () => {
        const rows = await app.ctx.db.rows<{ key: string }>("select key from jobs where kind = 'images.faces' and key like '%:r%'");
        return rows.length === 2 ? rows : null;
      },
      20_000,
      'two images.faces jobs, one per photo of the card',
    ).catch(async (err: Error) => {
      const rows = await app.ctx.db.rows("select kind, state, error, result from jobs where kind like 'faces.%'");
      throw new Error(`${err.message}: ${JSON.stringify(rows)}`);
    });
    assert.equal(jobs.length, 2);
    const badRun = await root.post('/admin/recognition/run', { scope: 'type', target: 'nope' }, { from: '/admin/recognition' });
    assert.equal(badRun.status, 400);
    assert.match(badRun.text, /value="nope"/);
  });
});
