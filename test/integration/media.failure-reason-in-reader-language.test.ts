// Why an image could not be processed is kept as a catalog key and its
// parameters (media.error_message), not only as English text: a
// Russian-speaking operator reads the reason on the card page and in the
// gallery's JSON in Russian, an English-speaking one in English; a row that
// failed before the key was kept still shows its English text.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestClient } from '#test/support/app';
import { makePurchase } from '#test/support/cards';
import { fixture, makeSessionUser, mediaApp, settled, signedIn, upload, type MediaApp } from '#test/support/media';

describe('a failed image, in the reader language', () => {
  let app: MediaApp;
  let ru: TestClient;
  let en: TestClient;
  let cardPath: string;
  let mediaId: number;
  before(async () => {
    app = await mediaApp('local');
    const maria = await makeSessionUser(app.ctx, 'maria@example.com', ['manager']);
    await makeSessionUser(app.ctx, 'mark@example.com', ['manager']);
    await app.ctx.db.exec("update users set locale = 'ru' where id = $1", [maria.id]);
    cardPath = `/cards/purchase_request/${(await makePurchase(app.ctx, maria)).id}`;
    ru = await signedIn(app, 'maria@example.com');
    en = await signedIn(app, 'mark@example.com');
    const whole = await fixture('jpeg', 1200, 900);
    const r = await upload(ru, cardPath, [{ name: 'cut.jpg', data: whole.subarray(0, Math.floor(whole.length / 2)) }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    mediaId = r.body.media![0].id;
  });

  it('keeps the reason as a key and its parameters, and English text beside it', async () => {
    const row = await settled(app.ctx, mediaId, 20_000);
    assert.equal(row.state, 'failed');
    assert.equal(row.error_message?.key, 'attachments.failed.unreadable');
    assert.match(String(row.error_message?.params?.why), /\S/, 'what the decoder said');
    assert.match(row.error ?? '', /^the image cannot be read: /);
  });

  it('shows it in Russian to a Russian-speaking operator, on the page and in the gallery JSON', async () => {
    const page = await ru.get(cardPath);
    assert.match(page.text, /cut\.jpg · ошибка: изображение не удаётся прочитать: /);
    assert.doesNotMatch(page.text, /cannot be read/);
    const json = JSON.parse((await ru.get(`${cardPath}/attachments.json`)).text) as { media: Array<{ error: string }> };
    assert.match(json.media[0].error, /^изображение не удаётся прочитать: /);
  });

  it('shows it in English to an English-speaking one', async () => {
    const page = await en.get(cardPath);
    assert.match(page.text, /cut\.jpg · failed: the image cannot be read: /);
  });

  it('shows the English text of a row failed before the key was kept', async () => {
    await app.ctx.db.exec("update media set error_message = null, error = 'the image cannot be read: old reason' where id = $1", [mediaId]);
    const page = await ru.get(cardPath);
    assert.match(page.text, /cut\.jpg · ошибка: the image cannot be read: old reason/);
  });
});
