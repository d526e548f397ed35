// Issue 17 item 5 and its bad input: what a new version of a card type may do
// to the cards it holds. A stage with cards goes only with a stage to move
// them to (a job, each move in the card's history, nothing moved twice); a
// field with values is archived, never dropped or retyped (its values stay in
// the card, its history and the export); a new required field asks for a value
// at creation and at an old card's next edit, never at a stage change that
// does not require it; a relabelled field relabels its old history; a dry run
// counts and writes nothing; two admins saving at once, the second is told;
// a definition that would not load is refused with its element; the files of
// conf/cardtypes/ are imported on first start and never override the browser.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { ConflictError, ValidationError } from '#app/services/errors';
import type { SessionUser } from '#app/services/users';
import { startWorkers, type Runner } from '#app/worker/start';
import { ApiClient, tokenFor } from '#test/support/api';
import { startTestApp, testContext, type TestApp, type TestClient } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { complaintInput, definitionOf, ensureTypeRoles, fieldOf, withoutStage, type Definition } from '#test/support/cardtypes';
import { testDatabase } from '#test/support/db';
import { eventually } from '#test/support/queue';

const versions = async (ctx: AppContext, type = 'complaint') =>
  (await ctx.db.rows<{ n: number }>('select count(*)::int as n from card_type_versions where card_type = $1', [type]))[0].n;

/** The text of the card page's history (the timeline), without the tags. */
const historyOf = (html: string) =>
  (/data-testid="history">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

/** The text next to a field of a form sent back with errors. */
const fieldError = (html: string, field: string) => new RegExp(`data-field-error="${field}">([^<]*)<`).exec(html)?.[1] ?? null;

async function refused(p: Promise<unknown>): Promise<ValidationError> {
  const err = await p.then(
    () => assert.fail('saved; expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ValidationError, `a ValidationError, not ${String(err)}`);
  return err;
}

describe('safe changes to a card type with cards', () => {
  let app: TestApp;
  let ctx: AppContext;
  let maria: SessionUser;
  let c: TestClient;
  let runner: Runner | null = null;
  const workers = async () => (runner ??= await startWorkers(ctx, { queues: ['default', 'audit'] }));
  const make = (overrides: Record<string, string> = {}) =>
    ctx.services.cards.create(maria, 'complaint', complaintInput({ root_cause: 'unknown', ...overrides }));
  const save = async (change: (def: Definition) => void, options: { moves?: Record<string, string>; dryRun?: boolean } = {}) => {
    const { def, version } = await definitionOf(ctx, 'complaint');
    change(def);
    return ctx.services.cardTypeStore.save(def, { expected: version, authorId: maria.id, ...options });
  };
  const idle = () =>
    eventually(
      async () => (await ctx.db.rows(`select 1 from jobs where state in ('queued', 'waiting', 'running')`)).length === 0,
      10_000,
      'every job done',
    );

  before(async () => {
    app = await startTestApp({}, { jobs: { backoffBaseMs: 20, backoffCapMs: 200 } });
    ctx = app.ctx;
    await ensureTypeRoles(ctx);
    maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    c = app.client();
    assert.equal((await c.login('maria@example.com', 'correct horse battery')).status, 303);
  });
  after(() => runner?.stop(2000));

  it('a stage holding cards goes only with a stage to move them to; the job moves every card once, with history', async () => {
    const cards = [];
    for (let i = 0; i < 5; i++)
      cards.push(await ctx.services.cards.transition(maria, 'complaint', (await make({ title: `C${i}` })).id, 'start'));
    const count = await versions(ctx);

    const err = await refused(save((d) => withoutStage(d, 'investigating')));
    assert.match(err.fields!['stage investigating'] as string, /holds 5 card\(s\)/);
    assert.equal(await versions(ctx), count, 'nothing saved');
    assert.equal(ctx.services.cardTypeStore.versionOf('complaint'), count);
    // To a stage the new version does not have: refused too.
    const nowhere = await refused(save((d) => withoutStage(d, 'investigating'), { moves: { investigating: 'limbo' } }));
    assert.match(nowhere.fields!['stage investigating'] as string, /no such stage/);

    // With the stage to go to: saved; a card put in the old stage meanwhile (a process that had not heard yet) goes too.
    const saved = await save((d) => withoutStage(d, 'investigating'), { moves: { investigating: 'resolved' } });
    assert.equal(saved.version, count + 1);
    assert.deepEqual(saved.impact.removedStages, [{ name: 'investigating', label: 'Investigating', cards: 5 }]);
    assert.ok(saved.moveJob, 'a move job');
    const late = await make({ title: 'Late one' });
    await ctx.db.exec(`update cards set stage = 'investigating' where id = $1`, [late.id]);
    await workers();
    await idle();
    const [job] = await ctx.db.rows<{ state: string; result: { moved: number }; progress_current: number; progress_total: number }>(
      'select state, result, progress_current, progress_total from jobs where id = $1',
      [saved.moveJob],
    );
    assert.equal(job.state, 'done');
    assert.equal(job.result.moved, 6);
    assert.equal(job.progress_current, 6);
    const ids = [...cards.map((x) => x.id), late.id];
    const stages = await ctx.db.rows<{ stage: string }>('select distinct stage from cards where id = any($1)', [ids]);
    assert.deepEqual(stages, [{ stage: 'resolved' }]);
    const moves = await ctx.db.rows<{ card_id: number; n: number }>(
      `select card_id, count(*)::int as n from card_history where card_id = any($1) and source = $2 group by card_id`,
      [ids, `cardtype:${saved.version}`],
    );
    assert.equal(moves.length, 6, 'an entry in each card history');
    const page = historyOf((await c.get(`/cards/complaint/${cards[0].id}`)).text);
    assert.match(page, new RegExp(`Moved: its stage was removed in version ${saved.version} of the card type`));

    // Taken again (a retry): nothing moves twice.
    const again = await ctx.services.cardTypeStore.moveCards(
      { type: 'complaint', version: saved.version, moves: { investigating: 'resolved' }, userId: maria.id },
      async () => undefined,
    );
    assert.equal(again.moved, 0);
    const [{ n }] = await ctx.db.rows<{ n: number }>('select count(*)::int as n from card_history where source = $1', [
      `cardtype:${saved.version}`,
    ]);
    assert.equal(n, 6);
  });

  it('an archived field leaves the forms and the list; its values stay in the card, its history and the export', async () => {
    await workers();
    const card = await make({ title: 'Archive me', channel: 'email' });
    await idle();
    assert.match((await c.get('/cards/complaint')).text, /<th scope="col"><a [^>]*>Channel</);

    const saved = await save((d) => {
      fieldOf(d, 'channel').archived = true;
      fieldOf(d, 'channel').required = false;
      d.list.columns = d.list.columns.filter((x: string) => x !== 'channel');
      d.list.filters = d.list.filters.filter((x: string) => x !== 'channel');
    });
    assert.deepEqual(
      saved.impact.archivedFields.find((f) => f.name === 'channel'),
      {
        name: 'channel',
        label: 'Channel',
        cards: (await ctx.db.rows(`select 1 from cards where type = 'complaint' and data ? 'channel'`)).length,
      },
    );
    assert.doesNotMatch((await c.get('/cards/complaint/new')).text, /name="channel"/);
    const edit = await c.get(`/cards/complaint/${card.id}/edit`);
    assert.doesNotMatch(edit.text, /name="channel"/);
    assert.doesNotMatch((await c.get('/cards/complaint')).text, /<th scope="col"><a [^>]*>Channel</);
    const api = new ApiClient(app.url, await tokenFor(ctx, maria.id, 'read'));
    const viaApi = await api.get(`/api/v1/cards/complaint/${card.number}`);
    assert.equal(viaApi.status, 200, viaApi.text);
    const apiFields = (viaApi.body as { fields: Record<string, unknown> }).fields;
    assert.ok('customer' in apiFields && !('channel' in apiFields), `the API's fields: ${Object.keys(apiFields).join(', ')}`);

    // Edited after: the value stays.
    const version = /name="version" value="(\d+)"/.exec(edit.text)![1];
    const { channel: _gone, ...rest } = complaintInput({ title: 'Archive me edited' });
    const posted = await c.post(`/cards/complaint/${card.id}/edit`, { ...rest, version }, { from: `/cards/complaint/${card.id}/edit` });
    assert.equal(posted.status, 303, fieldError(posted.text, 'channel') ?? posted.text.slice(0, 300));
    const [{ data }] = await ctx.db.rows<{ data: Record<string, unknown> }>('select data from cards where id = $1', [card.id]);
    assert.equal(data.channel, 'email');
    await idle();
    assert.match(historyOf((await c.get(`/cards/complaint/${card.id}`)).text), /Channel: Email/);
    const csv = (await c.get('/cards/complaint/export.csv')).text.split(/\r?\n/);
    const header = csv[0].split(',');
    const row = csv.find((l) => l.includes('Archive me edited'))!.split(',');
    assert.ok(header.includes('channel'), 'the archived field is a column of the export');
    assert.equal(row[header.indexOf('channel')], 'email');
  });

  it('a new required field: asked at creation and at an old card’s next edit, at the field; a stage change not requiring it works', async () => {
    const old = await make({ title: 'Old card' });
    // (With a way out of `new`: the first test removed `start`.)
    const saved = await save((d) => {
      d.fields.push({ name: 'root_cause', type: 'string', label: 'Root cause', required: true, max: 200 });
      d.process.transitions.push({ name: 'settle', label: 'Settle', from: ['new'], to: 'resolved', roles: ['manager'] });
    });
    assert.ok(
      saved.impact.newlyRequired.some((f) => f.name === 'root_cause' && f.cards > 0),
      'the cards lacking it are counted',
    );

    const created = await c.post('/cards/complaint', complaintInput({ title: 'New without it' }), { from: '/cards/complaint/new' });
    assert.equal(created.status, 400, created.text.slice(0, 300));
    assert.ok(fieldError(created.text, 'root_cause'), 'the error is at the field');
    assert.match(created.text, /value="New without it"/, 'the input is kept');

    const edit = await c.get(`/cards/complaint/${old.id}/edit`);
    const version = /name="version" value="(\d+)"/.exec(edit.text)![1];
    const edited = await c.post(
      `/cards/complaint/${old.id}/edit`,
      { ...complaintInput({ title: 'Old card, edited' }), version },
      { from: `/cards/complaint/${old.id}/edit` },
    );
    assert.equal(edited.status, 400);
    assert.match(fieldError(edited.text, 'root_cause') ?? '', /card type/i, 'says why an old card needs it now');

    const moved = await c.post(`/cards/complaint/${old.id}/transition`, { transition: 'settle' }, { from: `/cards/complaint/${old.id}` });
    assert.equal(
      moved.status,
      303,
      moved.text
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(-1500),
    );
    assert.equal((await ctx.db.rows<{ stage: string }>('select stage from cards where id = $1', [old.id]))[0].stage, 'resolved');
  });

  it('a field with values is archived, never dropped nor retyped; a dry run counts and writes nothing', async () => {
    await make({ title: 'With a refund', refund: '12.50' });
    const count = await versions(ctx);
    const dropped = await refused(save((d) => (d.fields = d.fields.filter((f: Definition) => f.name !== 'refund'))));
    assert.match(dropped.fields!['field refund'] as string, /hold a value: archive the field/);
    const retyped = await refused(save((d) => (fieldOf(d, 'refund').type = 'string')));
    assert.match(retyped.fields!['field refund'] as string, /cannot change from decimal to string/);
    assert.equal(await versions(ctx), count);

    const before = await ctx.db.rows('select id, stage, version from cards order by id');
    const dry = await save((d) => (fieldOf(d, 'refund').archived = true), { dryRun: true });
    assert.equal(dry.version, count + 1);
    assert.deepEqual(dry.impact.archivedFields, [{ name: 'refund', label: 'Refund (EUR)', cards: 1 }]);
    assert.equal(await versions(ctx), count, 'nothing written');
    assert.equal(ctx.services.cardTypeStore.versionOf('complaint'), count);
    assert.deepEqual(await ctx.db.rows('select id, stage, version from cards order by id'), before);
    assert.ok(ctx.services.cards.types.get('complaint')!.fieldMap.has('refund'), 'the type in use is unchanged');
  });

  it('a relabelled field keeps its old history readable, with the new label', async () => {
    await workers();
    const card = await make({ title: 'Relabel', customer: 'Globex' });
    await idle();
    assert.match(historyOf((await c.get(`/cards/complaint/${card.id}`)).text), /Customer: Globex/);
    await save((d) => (fieldOf(d, 'customer').label = { en: 'Client', ru: 'Заказчик' }));
    const history = historyOf((await c.get(`/cards/complaint/${card.id}`)).text);
    assert.match(history, /Client: Globex/);
    assert.doesNotMatch(history, /Customer:/);
  });

  it('two saves on the same version: the second is a conflict with both versions, nothing lost', async () => {
    const { def, version } = await definitionOf(ctx, 'complaint');
    const mine = { ...def, label: { en: 'Complaint (mine)', ru: 'Жалоба (моя)' } };
    const theirs = { ...def, label: { en: 'Complaint (theirs)', ru: 'Жалоба (их)' } };
    const first = await ctx.services.cardTypeStore.save(mine, { expected: version });
    const err = await ctx.services.cardTypeStore.save(theirs, { expected: version }).then(
      () => assert.fail('saved over the first'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConflictError);
    const stored = err.details.stored as { version: number; definition: Definition };
    assert.equal(stored.version, first.version);
    assert.deepEqual(stored.definition.label, mine.label);
    assert.deepEqual((err.details.input as Definition).label, theirs.label);
    assert.equal((await definitionOf(ctx, 'complaint')).version, first.version);
  });

  it('a definition that would not load is refused with its element, and nothing is saved', async () => {
    const count = await versions(ctx);
    const cases: [string, (d: Definition) => void, RegExp, RegExp][] = [
      ['unknown role', (d) => (d.process.transitions[0].roles = ['wizard']), /^roles$/, /no such role: wizard/],
      ['unknown field type', (d) => d.fields.push({ name: 'mood', type: 'feeling', label: 'Mood' }), /^field mood$/, /"feeling"/],
      [
        'transition to a missing stage',
        (d) => (d.process.transitions[0].to = 'nowhere'),
        /^transition [a-z_]+$/,
        /unknown stage "nowhere"/,
      ],
      ['bad SLA', (d) => (d.process.stages[0].sla = 'four hours'), /^stage new$/, /"four hours" is not an ISO-8601 duration/],
      ['duplicate field', (d) => d.fields.push({ ...d.fields[0] }), /^field customer$/, /already used/],
      ['duplicate stage', (d) => d.process.stages.push({ ...d.process.stages[0] }), /^stage new$/, /duplicate/],
    ];
    for (const [what, change, where, why] of cases) {
      const err = await refused(save(change));
      const [element, reason] = Object.entries(err.fields!)[0];
      assert.match(element, where, `${what}: the element (${element}: ${String(reason)})`);
      assert.match(String(reason), why, `${what}: the reason (${element}: ${String(reason)})`);
    }
    assert.equal(await versions(ctx), count, 'nothing saved');
  });
});

describe('conf/cardtypes on start', () => {
  it('is imported on first start; a changed file is taken only while the type’s latest version is from the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-types-'));
    for (const f of fs.readdirSync('conf/cardtypes')) fs.copyFileSync(path.join('conf/cardtypes', f), path.join(dir, f));
    const file = path.join(dir, 'complaint.yaml');
    const yaml = fs.readFileSync(file, 'utf8');
    const db = await testDatabase();
    const start = async () => (await testContext({}, undefined, db, { cardTypesDir: dir })).ctx;

    const first = await start();
    const rows = await first.db.rows<{ card_type: string; version: number; source: string }>(
      'select card_type, version, source from card_type_versions order by card_type',
    );
    assert.deepEqual(rows, [
      { card_type: 'complaint', version: 1, source: 'file' },
      { card_type: 'purchase_request', version: 1, source: 'file' },
    ]);
    // Started again unchanged: nothing new.
    await start();
    assert.equal(await versions(first), 1);

    // The file changed, nobody edited the type: taken.
    fs.writeFileSync(
      file,
      yaml.replace('{ en: Customer complaint, ru: Жалоба клиента }', '{ en: Complaint from file, ru: Жалоба из файла }'),
    );
    const second = await start();
    assert.equal(second.services.cards.types.get('complaint')!.label, 'Complaint from file');
    assert.deepEqual(
      await second.db.rows('select version, source from card_type_versions where card_type = $1 and version = 2', ['complaint']),
      [{ version: 2, source: 'file' }],
    );

    // Edited in the browser, then the file changes again: the browser's version stays.
    await ensureTypeRoles(second);
    const { def, version } = await definitionOf(second, 'complaint');
    await second.services.cardTypeStore.save(
      { ...def, label: { en: 'Complaint from browser', ru: 'Жалоба из браузера' } },
      { expected: version },
    );
    fs.writeFileSync(
      file,
      yaml.replace('{ en: Customer complaint, ru: Жалоба клиента }', '{ en: Complaint file again, ru: Жалоба снова }'),
    );
    const third = await start();
    assert.equal(third.services.cards.types.get('complaint')!.label, 'Complaint from browser');
    assert.deepEqual(await third.db.rows('select max(version)::int as v from card_type_versions where card_type = $1', ['complaint']), [
      { v: 3 },
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
