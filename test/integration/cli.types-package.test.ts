// ./manage.ts types export / import, as the shell runs them (issue 17 item 7):
// a package from a development database into a second, fresh one and back
// out again gives the same type files and roles.yaml; a changed package
// shows its diff and makes one version per changed type, taking the
// package's rights; a dry run saves nothing; a stage holding cards needs
// --move; every bad package is refused naming the file, the element and the
// reason, with nothing saved.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import YAML from 'yaml';
import type { AppContext } from '#app/context';
import { testContext } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { lines, manage } from '#test/support/cli';
import { testDatabase, type TestDatabase } from '#test/support/db';

type Raw = Record<string, any>;

const TICKET = {
  name: 'ticket',
  label: 'Ticket',
  plural: 'Tickets',
  prefix: 'TK',
  fields: [{ name: 'summary', type: 'string', label: 'Summary' }],
  list: { columns: ['number', 'title', 'stage'], filters: [] },
  search: ['summary'],
  process: {
    initial: 'doing',
    stages: [
      { name: 'open', label: 'Open' },
      { name: 'doing', label: 'Doing', sla: 'P1D' },
      { name: 'done', label: 'Done', final: true },
    ],
    transitions: [{ name: 'finish', label: 'Finish', from: ['open', 'doing'], to: 'done', roles: ['operator'] }],
  },
  permissions: { operator: { read: 'all', create: 'all', update: 'all', delete: 'none', transition: 'all' } },
};

const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-pkg-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};
const filesOf = (dir: string) =>
  Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
const copyOf = (dir: string) => {
  const to = tmp();
  fs.cpSync(dir, to, { recursive: true });
  return to;
};
const edit = (dir: string, file: string, change: (raw: Raw) => unknown) => {
  const full = path.join(dir, file);
  const raw = YAML.parse(fs.readFileSync(full, 'utf8')) as Raw;
  fs.writeFileSync(full, YAML.stringify(change(raw) ?? raw));
};

describe('./manage.ts types export / import', () => {
  let dev: AppContext;
  let prod: AppContext;
  let prodDb: TestDatabase;
  let devPackage: string;
  let prodEnv: Record<string, string>;
  /** What a refused or dry import must leave as it was: every version, role and right of the production database. */
  const state = async () =>
    JSON.stringify([
      await prod.db.rows('select card_type, version from card_type_versions order by 1, 2'),
      await prod.db.rows('select name, label, description from roles order by 1'),
      await prod.db.rows('select card_type, action, scope from role_permissions order by 1, 2, 3'),
    ]);
  const versions = async (type: string) =>
    (await prod.db.rows<{ n: number }>('select count(*)::int as n from card_type_versions where card_type = $1', [type]))[0].n;

  before(async () => {
    ({ ctx: dev } = await testContext());
    for (const r of ['operator', 'manager', 'approver']) await dev.services.users.ensureRole(r);
    await dev.services.roles.create({ name: 'auditor', label: 'Auditor', description: 'Reads every card, changes none' });
    await dev.services.cardTypeStore.save(TICKET, { expected: null, comment: 'the support desk' });
    // Rights set in the browser (/admin/roles): they travel in the package.
    await dev.services.roles.setRights('operator', { complaint: { update: 'all', delete: 'own' } });
    await dev.services.roles.setRights('auditor', { purchase_request: { read: 'all' } });
    prodDb = await testDatabase();
    ({ ctx: prod } = await testContext({}, undefined, prodDb));
    prodEnv = { DATABASE_URL: prodDb.url };
    devPackage = tmp();
  });

  it('exports the rights in force, and round-trips through a fresh database to identical type files and roles.yaml', async () => {
    const out = await manage(['types', 'export', devPackage], { DATABASE_URL: dev.db.url });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /exported 3 card type\(s\) and 4 role\(s\)/);
    const files = filesOf(devPackage);
    assert.deepEqual(Object.keys(files), ['complaint.yaml', 'package.yaml', 'purchase_request.yaml', 'roles.yaml', 'ticket.yaml']);
    const complaint = YAML.parse(files['complaint.yaml']) as Raw;
    assert.deepEqual(complaint.permissions.operator, { read: 'all', create: 'all', update: 'all', delete: 'own', transition: 'own' });
    assert.deepEqual(complaint.permissions.manager, { read: 'all', create: 'all', update: 'all', delete: 'all', transition: 'all' });
    assert.deepEqual((YAML.parse(files['purchase_request.yaml']) as Raw).permissions.auditor, {
      read: 'all',
      create: 'none',
      update: 'none',
      delete: 'none',
      transition: 'none',
    });
    assert.deepEqual(YAML.parse(files['ticket.yaml']), TICKET);
    assert.deepEqual(
      (YAML.parse(files['roles.yaml']) as Raw[]).map((r) => r.name),
      ['approver', 'auditor', 'manager', 'operator'],
    );
    assert.equal((YAML.parse(files['roles.yaml']) as Raw[])[1].description, 'Reads every card, changes none');
    const about = YAML.parse(files['package.yaml']) as Raw;
    assert.equal(about.source.database, dev.db.url.split('/').pop()?.split('?')[0]);
    assert.deepEqual(
      about.types.map((t: Raw) => `${t.name}@${t.version}`),
      ['complaint@1', 'purchase_request@1', 'ticket@1'],
    );

    const imported = await manage(['types', 'import', devPackage], prodEnv);
    assert.equal(imported.code, 0, imported.stderr);
    const said = lines(imported.stdout);
    assert.ok(said.includes('complaint.yaml: complaint version 1 → 2 (saved)'), imported.stdout);
    assert.ok(said.includes('  ~ permissions.operator.update: own → all'), imported.stdout);
    assert.ok(said.includes('ticket.yaml: ticket is new, saved as version 1'), imported.stdout);
    assert.ok(said.includes('roles created: approver, auditor, manager, operator'), imported.stdout);
    assert.equal(said.at(-1), 'imported: 1 new, 2 changed, 0 unchanged');

    const again = tmp();
    const out2 = await manage(['types', 'export', again], prodEnv);
    assert.equal(out2.code, 0, out2.stderr);
    const back = filesOf(again);
    for (const f of ['complaint.yaml', 'purchase_request.yaml', 'roles.yaml', 'ticket.yaml']) assert.equal(back[f], files[f], f);
    const about2 = YAML.parse(back['package.yaml']) as Raw;
    assert.equal(about2.source.database, prodDb.name);
    assert.deepEqual(
      about2.types.map((t: Raw) => `${t.name}@${t.version}`),
      ['complaint@2', 'purchase_request@2', 'ticket@1'],
    );
    // The package's rights are now the types' own: nothing overrides them in production.
    assert.deepEqual(await prod.db.rows('select * from role_permissions'), []);
    const [latest] = await prod.db.rows<Raw>(
      `select source, comment from card_type_versions where card_type = 'complaint' order by version desc limit 1`,
    );
    assert.equal(latest.source, 'import');
    assert.match(latest.comment, new RegExp(`package ${path.basename(devPackage)} \\(exported .* from .*${dev.db.url.split('/').pop()}`));
  });

  it('a changed package shows its diff and makes exactly one version per changed type, replacing the rights set here', async () => {
    const pkg = copyOf(devPackage);
    edit(pkg, 'ticket.yaml', (t) => void (t.label = 'Support ticket'));
    edit(pkg, 'complaint.yaml', (t) => void (t.process.stages[0].label.en = 'Received'));
    // A right set here that the package changes (dropped with the new version), and one as the package has it (kept: no version).
    const same = prod.services.cards.types.declared('purchase_request').manager.delete;
    await prod.services.roles.setRights('manager', { complaint: { delete: 'none' }, purchase_request: { delete: same } });
    const before = { complaint: await versions('complaint'), ticket: await versions('ticket'), pr: await versions('purchase_request') };
    const r = await manage(['types', 'import', pkg], prodEnv);
    assert.equal(r.code, 0, r.stderr);
    const said = lines(r.stdout);
    assert.ok(said.includes('  ~ label: Ticket → Support ticket'), r.stdout);
    assert.ok(said.includes('  ~ stage new.label.en: New → Received'), r.stdout);
    assert.ok(said.includes('  ~ permissions.manager.delete: none → all'), r.stdout);
    assert.ok(said.includes('purchase_request.yaml: purchase_request unchanged (version 2)'), r.stdout);
    assert.equal(await versions('complaint'), before.complaint + 1);
    assert.equal(await versions('ticket'), before.ticket + 1);
    assert.equal(await versions('purchase_request'), before.pr);
    // Dropped with complaint's new version; purchase_request was not saved, its right set here stays.
    assert.deepEqual(await prod.db.rows('select card_type, action, scope from role_permissions'), [
      { card_type: 'purchase_request', action: 'delete', scope: same },
    ]);
    const twice = await manage(['types', 'import', pkg], prodEnv);
    assert.equal(twice.code, 0, twice.stderr);
    assert.equal(lines(twice.stdout).at(-1), 'imported: 0 new, 0 changed, 3 unchanged');
    assert.equal(await versions('ticket'), before.ticket + 1);
  });

  it('--dry-run shows what would change and saves nothing', async () => {
    const pkg = copyOf(devPackage);
    fs.appendFileSync(path.join(pkg, 'roles.yaml'), '- name: reviewer\n  label: Reviewer\n  description: ""\n');
    // A new type that a changed one refers to: each is checked with the other, whichever is saved first.
    fs.writeFileSync(
      path.join(pkg, 'zone.yaml'),
      YAML.stringify({ ...TICKET, name: 'zone', prefix: 'ZN', label: 'Zone', plural: 'Zones' }),
    );
    edit(pkg, 'ticket.yaml', (t) => {
      t.process.stages[2].label = 'Closed';
      t.permissions.reviewer = { read: 'all' };
      t.fields.push({ name: 'zone', type: 'reference', label: 'Zone', to: 'zone' });
    });
    const was = await state();
    const r = await manage(['types', 'import', pkg, '--dry-run'], prodEnv);
    assert.equal(r.code, 0, r.stderr);
    const said = lines(r.stdout);
    assert.ok(
      said.some((l) => /^ticket\.yaml: ticket version \d+ → \d+ \(not saved\)$/.test(l)),
      r.stdout,
    );
    assert.ok(said.includes('  ~ stage done.label: Done → Closed'), r.stdout);
    assert.ok(said.includes('roles to create: reviewer'), r.stdout);
    assert.ok(said.includes('zone.yaml: zone is new, would be version 1'), r.stdout);
    assert.match(said.at(-1)!, /^dry run: .*; nothing saved$/);
    assert.equal(await state(), was);
  });

  it('a removed stage holding cards needs --move; without it nothing is saved, not even the other types', async () => {
    await prod.services.cardTypeStore.load();
    const op = await sessionUserFor(prod, 'op@example.com', { roles: ['operator'] });
    await prod.services.cards.create(op, 'ticket', { title: 'Printer', summary: 'jammed' });
    const pkg = copyOf(devPackage);
    edit(pkg, 'complaint.yaml', (t) => void (t.label.en = 'Complaint'));
    edit(pkg, 'ticket.yaml', (t) => {
      t.process.initial = 'open';
      t.process.stages.splice(1, 1);
      t.process.transitions[0].from = ['open'];
    });
    const was = await state();
    const r = await manage(['types', 'import', pkg], prodEnv);
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(lines(r.stderr), [
      'error: ticket.yaml: card type ticket: stage doing: holds 1 card(s): choose the stage they move to (--move ticket.doing=STAGE)',
    ]);
    assert.equal(await state(), was);
    const dry = await manage(['types', 'import', pkg, '--dry-run', '--move', 'ticket.doing=done'], prodEnv);
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok(lines(dry.stdout).includes('  cards: 1 in stage doing would move to done'), dry.stdout);
    assert.ok(lines(dry.stdout).includes('  - stage doing: {"name":"doing","label":"Doing","sla":"P1D"}'), dry.stdout);
    assert.equal(await state(), was);
    for (const [move, message] of [
      ['ticket.doing', /^error: --move ticket\.doing: expected TYPE\.STAGE=TARGET/],
      ['nosuch.doing=done', /^error: --move nosuch\.doing=done: the package has no card type nosuch$/],
      ['ticket.open=done', /^error: --move ticket\.open: the package does not remove a stage open of ticket here$/],
      ['ticket.doing=nowhere', /^error: ticket\.yaml: card type ticket: stage doing: the cards cannot move to "nowhere": no such stage/],
    ] as const) {
      const bad = await manage(['types', 'import', pkg, '--move', move], prodEnv);
      assert.equal(bad.code, 1, bad.stdout);
      assert.equal(lines(bad.stderr).length, 1, bad.stderr);
      assert.match(lines(bad.stderr)[0], message);
      assert.equal(await state(), was);
    }
  });

  it('refuses a bad package naming the file, the element and the reason, and saves nothing', async () => {
    const cases: [string, (dir: string) => string, RegExp][] = [
      [
        'unknown field type',
        (d) => (edit(d, 'ticket.yaml', (t) => void (t.fields[0].type = 'hologram')), d),
        /^error: ticket\.yaml: card type ticket: field summary: .*hologram/,
      ],
      [
        'transition to a missing stage',
        (d) => (edit(d, 'ticket.yaml', (t) => void (t.process.transitions[0].to = 'nowhere')), d),
        /^error: ticket\.yaml: card type ticket: transition finish: .*nowhere/,
      ],
      [
        'a role neither here nor in roles.yaml',
        (d) => (edit(d, 'ticket.yaml', (t) => void (t.process.transitions[0].roles = ['ghost'])), d),
        /^error: ticket\.yaml: card type ticket: roles: no such role: ghost \(not here, nor in roles\.yaml\)$/,
      ],
      [
        'duplicate names',
        (d) => (fs.copyFileSync(path.join(d, 'ticket.yaml'), path.join(d, 'ticket2.yaml')), d),
        /^error: ticket2\.yaml: card type ticket: name already used by ticket\.yaml$/,
      ],
      [
        'bad SLA',
        (d) => (edit(d, 'ticket.yaml', (t) => void (t.process.stages[1].sla = 'soon')), d),
        /^error: ticket\.yaml: card type ticket: stage doing: .*soon/,
      ],
      ['invalid YAML', (d) => (fs.writeFileSync(path.join(d, 'ticket.yaml'), 'name: [ticket\n'), d), /^error: ticket\.yaml: invalid YAML/],
      [
        'invalid roles.yaml',
        (d) => (fs.appendFileSync(path.join(d, 'roles.yaml'), '- name: clerk\n  label: ""\n'), d),
        /^error: roles\.yaml: role clerk: label must be a text/,
      ],
      ['not a folder', (d) => path.join(d, 'ticket.yaml'), /^error: .*ticket\.yaml: not a folder$/],
      ['no such folder', (d) => path.join(d, 'nowhere'), /^error: .*nowhere: no such folder$/],
    ];
    for (const [args, message] of [
      [['types', 'import'], /^error: types import needs the package folder DIR$/],
      [['types', 'export', tmp(), '--dry-run'], /^error: --dry-run, --move and --comment go with types import, not types export$/],
    ] as const) {
      const r = await manage([...args], prodEnv);
      assert.equal(r.code, 1, r.stdout);
      assert.deepEqual(lines(r.stderr).length, 1, r.stderr);
      assert.match(lines(r.stderr)[0], message);
    }
    for (const [what, spoil, message] of cases) {
      const pkg = copyOf(devPackage);
      // A good change in another file: refused with the bad one, never saved alone.
      edit(pkg, 'complaint.yaml', (t) => void (t.label.en = `Complaint (${what})`));
      const was = await state();
      const r = await manage(['types', 'import', spoil(pkg)], prodEnv);
      assert.equal(r.code, 1, `${what}: ${r.stdout}`);
      assert.equal(lines(r.stderr).length, 1, `${what}: ${r.stderr}`);
      assert.match(lines(r.stderr)[0], message, what);
      assert.equal(await state(), was, what);
    }
  });
});
