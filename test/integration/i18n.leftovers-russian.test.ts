// Texts that reached a Russian reader in English until they were given
// catalog keys: the refusals of an upload (each file with its reason, and the
// upload itself), the list page's complaints about its filters (the field
// named by its label in the reader's language), and /admin/system's probe
// errors (the broker, its queues, a beat that never ran). An English reader
// reads what they read before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { serveContext, signedIn } from '#test/support/admin';
import { testContext, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { upload } from '#test/support/media';
import { uniquePrefix } from '#test/support/queue';

const HTML = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');

describe('the last English texts, read in Russian', () => {
  let ctx: AppContext;
  let ru: TestClient;
  let en: TestClient;
  let cardPath: string;
  before(async () => {
    const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-media-'));
    onCleanup(() => fs.rmSync(mediaRoot, { recursive: true, force: true }));
    // A broker that cannot be reached: a real AMQP transport pointed at a closed port.
    const transport = new AmqpTransport({ url: 'amqp://guest:guest@127.0.0.1:1', prefix: uniquePrefix(), queueType: 'quorum' });
    onCleanup(() => transport.close());
    ctx = (await testContext({ MEDIA_ROOT: mediaRoot }, undefined, undefined, { transport })).ctx;
    const site = await serveContext(ctx);
    ru = await signedIn(ctx, site.url, 'anna@example.com');
    en = await signedIn(ctx, site.url, 'root@example.com');
    await ctx.db.exec(`update users set locale = 'ru' where email = 'anna@example.com'`);
    const owner = await sessionUserFor(ctx, 'owner@example.com', { superuser: true });
    const card = await makePurchase(ctx, owner, { title: 'Ноутбуки' });
    cardPath = `/cards/purchase_request/${card.id}`;
  });

  it('refuses an upload with Russian reasons, each file named', async () => {
    const two = await upload(ru, cardPath, [
      { name: 'bad.jpg', data: HTML },
      { name: 'empty.jpg', data: Buffer.alloc(0) },
    ]);
    assert.equal(two.status, 400);
    assert.equal(
      two.body.error,
      '2 файла не приняты, ничего не прикреплено. bad.jpg: файлы HTML не принимаются, какое бы ни было расширение; empty.jpg: файл пустой.',
    );
    assert.deepEqual(two.body.fields, {
      'bad.jpg': 'bad.jpg: файлы HTML не принимаются, какое бы ни было расширение',
      'empty.jpg': 'empty.jpg: файл пустой',
    });
    const five = await upload(
      ru,
      cardPath,
      ['a', 'b', 'c', 'd', 'e'].map((n) => ({ name: `${n}.jpg`, data: Buffer.alloc(0) })),
    );
    assert.match(five.body.error ?? '', /^5 файлов не принято, ничего не прикреплено\. a\.jpg: файл пустой; /);
    const english = await upload(en, cardPath, [{ name: 'bad.jpg', data: HTML }]);
    assert.equal(
      english.body.error,
      'A file was refused; nothing was attached. bad.jpg: HTML files are refused, whatever their extension.',
    );

    const token = /data-csrf="([^"]+)"/.exec((await ru.get(cardPath)).text)![1];
    const notMultipart = await ru.request('POST', `${cardPath}/attachments`, 'files=x', {
      accept: 'application/json',
      'x-csrf-token': token,
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(notMultipart.status, 400);
    assert.deepEqual(JSON.parse(notMultipart.text).fields, { files: 'это не загрузка файлов (multipart)' });
    assert.equal(JSON.parse(notMultipart.text).error, 'Отправьте файлы как multipart/form-data в поле «files».');
    const none = await upload(ru, cardPath, []);
    assert.equal(none.body.error, 'Выберите хотя бы один файл.');
  });

  it('names a list filter’s field by its Russian label', async () => {
    const page = await ru.get('/cards/purchase_request?category=zzz&needed_by_from=2030-02-30');
    assert.equal(page.status, 200);
    const problems = [...page.text.matchAll(/data-testid="query-problem">([^<]*)</g)].map((m) => m[1]);
    assert.deepEqual(problems, ['Категория: неизвестный вариант zzz', 'Нужно к: 2030-02-30 — не существующая дата']);
    const english = await en.get('/cards/purchase_request?category=zzz');
    assert.match(english.text, /data-testid="query-problem">Category: unknown choice zzz</);
  });

  it('writes /admin/system’s probe errors in Russian', async () => {
    const page = await ru.get('/admin/system');
    assert.equal(page.status, 200);
    assert.match(
      page.text,
      /data-queue="default"><td>default<\/td>\s*<td class="text-end"><span class="[^"]*" title="брокер недоступен">неизвестно: брокер недоступен</,
    );
    assert.match(page.text, /data-testid="part-beat">[\s\S]*?планировщик здесь ещё ни разу не запускался \(нет ни одного сигнала\)/);
    assert.match(page.text, /data-testid="part-broker">[\s\S]*?text-bg-danger">нет связи</);
    const english = await en.get('/admin/system');
    assert.match(english.text, /title="broker unreachable">unknown: broker unreachable</);
    assert.match(english.text, /no beat has ever run here \(no heartbeat recorded\)/);
    const health = (await (await fetch(`${en.base}/healthz`)).json()) as { beat: { error: string } };
    assert.equal(health.beat.error, 'no beat has ever run here (no heartbeat recorded)', '/healthz stays English');
  });
});
