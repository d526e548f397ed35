// `types import --move TYPE.STAGE=TARGET` (app/services/type-package-import.ts):
// the package's new version removes a stage that holds cards; the import
// saves it with the move job in its transaction, and a worker moves the cards.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import YAML from 'yaml';
import { importPackage } from '#app/services/type-package-import';
import { exportPackage, type PackageDeps } from '#app/services/type-packages';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { jobsHarness } from '#test/support/jobs';

it('a package removing a stage that holds cards moves them with --move, through the job, after the version is saved', async () => {
  const h = await jobsHarness('local');
  const ctx = h.ctx;
  const deps: PackageDeps = {
    db: ctx.db,
    store: ctx.services.cardTypeStore,
    types: ctx.services.cards.types,
    roles: ctx.services.roles,
    defaultLocale: ctx.settings.i18n.defaultLocale,
  };
  const op = await sessionUserFor(ctx, 'op@example.com', { roles: ['operator'] });
  await ctx.services.users.ensureRole('manager');
  await ctx.services.users.ensureRole('approver');
  const ticket = {
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
        { name: 'doing', label: 'Doing' },
        { name: 'done', label: 'Done', final: true },
      ],
      transitions: [{ name: 'finish', label: 'Finish', from: ['open', 'doing'], to: 'done', roles: ['operator'] }],
    },
    permissions: { operator: { read: 'all', create: 'all', update: 'all', delete: 'none', transition: 'all' } },
  };
  await ctx.services.cardTypeStore.save(ticket, { expected: null });
  const cards = [
    await ctx.services.cards.create(op, 'ticket', { title: 'Printer', summary: 'jammed' }),
    await ctx.services.cards.create(op, 'ticket', { title: 'Screen', summary: 'flickers' }),
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-pkg-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  await exportPackage(deps, dir, { installation: 'test' });
  const file = path.join(dir, 'ticket.yaml');
  const raw = YAML.parse(fs.readFileSync(file, 'utf8')) as typeof ticket;
  raw.process.initial = 'open';
  raw.process.stages.splice(1, 1);
  raw.process.transitions[0].from = ['open'];
  fs.writeFileSync(file, YAML.stringify(raw));

  const result = await importPackage(deps, dir, { dryRun: false, moves: ['ticket.doing=done'] });
  const t = result.types.find((x) => x.name === 'ticket')!;
  assert.equal(t.status, 'changed');
  assert.equal(t.version, 2);
  assert.deepEqual(t.impact?.removedStages, [{ name: 'doing', label: 'Doing', cards: 2 }]);
  assert.ok(t.moveJob, 'the move job is enqueued with the version');
  assert.equal(ctx.services.cards.types.get('ticket')?.stageMap.has('doing'), false);

  await h.start();
  const ids = cards.map((c) => c.id);
  const deadline = Date.now() + 15_000;
  let stages: string[] = [];
  while (Date.now() < deadline) {
    stages = (await ctx.db.rows<{ stage: string }>('select stage from cards where id = any($1) order by id', [ids])).map((r) => r.stage);
    if (stages.every((s) => s === 'done')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(stages, ['done', 'done']);
});
