// The pure parts of SMS out and errors out: the gateway request built from
// the settings (form and JSON bodies, each kind of authentication, values
// encoded, never spliced), the cut at a word with the link kept, and the
// scrubbing of secrets from what an error report carries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SmsGatewaySettings } from '#app/config';
import { isExpected, pathWithoutValues, scrubText, scrubValue } from '#app/services/error-report';
import { ValidationError } from '#app/services/errors';
import { fitSms } from '#app/services/notice-sms';
import { GatewayRefusedError, gatewayRequest } from '#app/services/sms-gateway';

const base: SmsGatewaySettings = {
  url: 'https://sms.example.com/send?to={to_digits}',
  method: 'POST',
  auth: 'none',
  user: null,
  password: null,
  token: null,
  header: null,
  headers: {},
  format: 'json',
  body: { to: '{to}', text: '{text}' },
  successStatus: [200, 299],
  successBody: null,
  allowAddresses: [],
  timeoutSeconds: 5,
};

describe('SMS gateway request', () => {
  it('fills a JSON body and the URL with values, encoded, never spliced', () => {
    const r = gatewayRequest({ ...base, auth: 'bearer', token: 'T0K' }, '+79123456789', 'Say "hi" & go');
    assert.equal(r.url, 'https://sms.example.com/send?to=79123456789');
    assert.deepEqual(JSON.parse(r.body!), { to: '+79123456789', text: 'Say "hi" & go' });
    assert.equal(r.headers.authorization, 'Bearer T0K');
    assert.equal(r.headers['content-type'], 'application/json');
  });

  it('form-encodes a form body; basic and header authentication', () => {
    const form = gatewayRequest(
      { ...base, format: 'form', auth: 'basic', user: 'acct', password: 'pw:1', body: { To: '{to}', Body: '{text}', From: 'Orbis' } },
      '+12025550143',
      'a&b=c',
    );
    assert.equal(form.body, 'To=%2B12025550143&Body=a%26b%3Dc&From=Orbis');
    assert.equal(form.headers.authorization, `Basic ${Buffer.from('acct:pw:1').toString('base64')}`);
    assert.equal(form.headers['content-type'], 'application/x-www-form-urlencoded');
    const header = gatewayRequest({ ...base, auth: 'header', header: 'X-API-Key', token: 'K' }, '+1', 'x');
    assert.equal(header.headers['X-API-Key'], 'K');
    const get = gatewayRequest({ ...base, method: 'GET', url: 'https://g.example/s?to={to}&msg={text}' }, '+1', 'a b&c');
    assert.equal(get.url, 'https://g.example/s?to=%2B1&msg=a%20b%26c');
    assert.equal(get.body, null);
  });
});

describe('SMS text', () => {
  it('keeps a short text whole and cuts a long one at a word, the link whole', () => {
    assert.equal(fitSms('Short', 'https://x/1', 160), 'Short https://x/1');
    const cut = fitSms('alpha beta gamma delta', 'https://x/1', 30);
    assert.equal(cut, 'alpha beta gamma… https://x/1', 'delta does not fit: cut before it');
    assert.ok(Array.from(cut).length <= 30);
    assert.equal(fitSms('Заявка согласована руководителем отдела', 'https://x/1', 35), 'Заявка согласована… https://x/1');
  });
});

describe('error report scrubbing', () => {
  it('filters secrets out of text and values, and query values out of paths', () => {
    assert.equal(scrubText('connect postgres://orbis:s3cret@db/x failed'), 'connect postgres://[Filtered]@db/x failed');
    assert.equal(scrubText('header Bearer abc.def-ghi sent'), 'header Bearer [Filtered] sent');
    assert.equal(scrubText('password=hunter2 and api_key: k-123'), 'password=[Filtered] and api_key: [Filtered]');
    assert.deepEqual(scrubValue({ user: 'a', Password: 'x', nested: { csrfToken: 'y', cookie: 'z', ok: 'token=abc' } }), {
      user: 'a',
      Password: '[Filtered]',
      nested: { csrfToken: '[Filtered]', cookie: '[Filtered]', ok: 'token=[Filtered]' },
    });
    assert.equal(pathWithoutValues('/cards?q=secret&token=t&page=2'), '/cards?q&token&page');
    const token = 'Ab3_-defGhIjKlMnOpQrStUvWxYz0123456789abcde';
    assert.equal(pathWithoutValues(`/password/reset/${token}?next=1`), '/password/reset/:secret?next');
    assert.equal(pathWithoutValues('/cards/purchase_request/PR-000123'), '/cards/purchase_request/PR-000123', 'short segments kept');
  });

  it('takes bad input and outside refusals as expected, faults as not', () => {
    assert.equal(isExpected(new ValidationError('bad')), true);
    assert.equal(isExpected(new GatewayRefusedError('500')), true);
    assert.equal(isExpected(Object.assign(new Error('too large'), { status: 413 })), true);
    assert.equal(isExpected(new TypeError('x is undefined')), false);
    assert.equal(isExpected(new Error('boom')), false);
  });
});

describe('./manage.ts check: SMS gateway and error reports', () => {
  it('says whether each is configured, naming hosts but never a secret', async () => {
    const { loadSettings } = await import('#app/config');
    const { outboundLines } = await import('#app/commands/check');
    const off = outboundLines(loadSettings({ env: { NODE_ENV: 'test' } }));
    assert.deepEqual(
      off.map((l) => [l.ok, l.note, l.what.split(' (')[0]]),
      [
        [true, true, 'SMS gateway not configured'],
        [true, true, 'error reports off'],
      ],
    );
    const on = outboundLines(
      loadSettings({
        env: { NODE_ENV: 'test', SENTRY_DSN: 'https://dsnkey123@errors.example.com/7', ORBIS_SMS_TOKEN: 'sms-token-xyz' },
        overrides: {
          sms: {
            gateway: { url: 'https://sms.example.com/send?key=urlsecret&to={to}', auth: 'bearer', body: { to: '{to}', text: '{text}' } },
          },
        },
      }),
    );
    assert.match(on[0].what, /^SMS gateway configured: POST sms\.example\.com \(auth bearer, json\); at most one SMS per user per 10 min$/);
    assert.equal(on[0].note, undefined);
    assert.match(on[1].what, /^error reports sent to errors\.example\.com as installation "orbis"$/);
    const text = JSON.stringify(on);
    for (const secret of ['sms-token-xyz', 'urlsecret', 'dsnkey123']) assert.ok(!text.includes(secret), secret);
  });
});
