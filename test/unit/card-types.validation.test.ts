import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { CardTypeError, durationMs, loadCardTypes, parseCardType } from '#app/services/card-types';

const shipped = path.resolve(import.meta.dirname, '..', '..', 'conf', 'cardtypes');

function base() {
  return YAML.parse(fs.readFileSync(path.join(shipped, 'purchase-request.yaml'), 'utf8'));
}

function refuse(mutate: (t: Record<string, any>) => void, message: string) {
  const t = base();
  mutate(t);
  assert.throws(
    () => parseCardType('/x/purchase-request.yaml', t),
    (err: Error) => {
      assert.ok(err instanceof CardTypeError);
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe('card type declarations', () => {
  it('loads the shipped types', () => {
    const types = loadCardTypes(shipped);
    assert.deepEqual(types.all.map((t) => t.name).sort(), ['complaint', 'purchase_request']);
    assert.equal(types.get('purchase_request')!.stageMap.get('approval')!.slaMs, 2 * 86_400_000);
    assert.equal(types.get('purchase_request')!.stageMap.get('approval')!.wip, 5);
    assert.equal(types.get('purchase_request')!.stageMap.get('draft')!.wip, undefined);
  });

  it("refuses a board's WIP limit that is not a whole number above 0", () => {
    refuse(
      (t) => (t.process.stages[1].wip = 0),
      'purchase-request.yaml: card type purchase_request: stage approval: wip 0 is not a whole number above 0',
    );
    refuse(
      (t) => (t.process.stages[1].wip = 'five'),
      'purchase-request.yaml: card type purchase_request: stage approval: wip "five" is not a whole number above 0',
    );
  });

  it('names the file, the card type and the field in every error', () => {
    refuse(
      (t) => (t.fields[0].type = 'strng'),
      'purchase-request.yaml: card type purchase_request: field supplier: type "strng" is not one of string, text, number, decimal, date, datetime, boolean, select, user, reference, images',
    );
    refuse((t) => (t.fields[1].min = 'zero'), 'purchase-request.yaml: card type purchase_request: field amount: min must be a number');
    refuse(
      (t) => delete t.fields[2].options,
      'purchase-request.yaml: card type purchase_request: field category: a select field needs options',
    );
    // A field takes the options of its type (app/fields/<type>.ts, yaml.options) and no other.
    refuse(
      (t) => (t.fields[0].role = 'buyer'),
      'purchase-request.yaml: card type purchase_request: field supplier: a string field takes no option "role" (it takes min, max, pattern besides name, type, label, required, help, archived)',
    );
    refuse(
      (t) => (t.fields[2].max = 3),
      'purchase-request.yaml: card type purchase_request: field category: a select field takes no option "max" (it takes options besides name, type, label, required, help, archived)',
    );
    refuse(
      (t) => (t.fields[7].pattern = '(['),
      'purchase-request.yaml: card type purchase_request: field cost_center: pattern is not a valid regular expression: Invalid regular expression: /([/: Unterminated character class',
    );
    refuse(
      (t) => (t.process.stages[1].sla = 'two days'),
      'purchase-request.yaml: card type purchase_request: stage approval: sla "two days" is not an ISO-8601 duration such as P2D or PT4H, or { working: PT16H }',
    );
    refuse(
      (t) => (t.process.transitions[0].to = 'limbo'),
      'purchase-request.yaml: card type purchase_request: transition submit: to: unknown stage "limbo"',
    );
    refuse(
      (t) => (t.process.transitions[0].requires = ['budget']),
      'purchase-request.yaml: card type purchase_request: transition submit: requires: unknown field "budget"',
    );
    refuse(
      (t) => (t.permissions.operator.read = 'mine'),
      'purchase-request.yaml: card type purchase_request: permissions.operator: read: "mine" is not all, own or none',
    );
    refuse(
      (t) => (t.list.columns = ['number', 'colour']),
      'purchase-request.yaml: card type purchase_request: list.columns: unknown column "colour"',
    );
    refuse(
      (t) => t.fields.push({ name: 'title', type: 'string', label: 'Dup' }),
      'purchase-request.yaml: card type purchase_request: field title: the name is already used',
    );
  });

  it('refuses a reference to an unknown card type, naming where', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-types-'));
    const t = YAML.parse(fs.readFileSync(path.join(shipped, 'complaint.yaml'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'complaint.yaml'), YAML.stringify(t));
    assert.throws(() => loadCardTypes(dir), /complaint\.yaml: card type complaint: field order: to: unknown card type "purchase_request"/);
    fs.rmSync(dir, { recursive: true });
  });

  it('reads ISO-8601 durations', () => {
    assert.equal(durationMs('PT4H'), 4 * 3600_000);
    assert.equal(durationMs('P1W2DT30M'), (9 * 24 * 60 + 30) * 60_000);
    assert.equal(durationMs('P'), null);
    assert.equal(durationMs('4h'), null);
  });
});
