// One SMS through the installation's generic HTTP gateway (settings sms.gateway).
//
// What MUST hold, and why:
// - The request goes through the webhooks' guarded request
//   (webhook-request.ts): no private or loopback address unless
//   sms.gateway.allowAddresses names it, a timeout, at most 16 KB of the
//   answer read. The gateway URL is the operator's, its DNS answer is not.
// - Placeholders ({to}, {to_digits}, {text}) are filled as values, never
//   spliced into syntax: URL-encoded in the URL, JSON-encoded or
//   form-encoded in the body (a text with quotes or & cannot break either).
// - An answer outside successStatus, or not matching successBody, is a
//   GatewayRefusedError: the job engine retries it with backoff.
// - The password and the token go in headers only; neither is ever logged
//   nor put in an error message (the answer's first 200 characters are).
import type { SmsGatewaySettings } from '#app/config';
import { sendRequest } from '#app/services/webhook-request';

/** The gateway answered, but not with success: retried. `expected`: an outside failure, not Orbis's own error (no error report). */
export class GatewayRefusedError extends Error {
  override name = 'GatewayRefusedError';
  readonly expected = true;
}

export interface SmsGateway {
  send(to: string, text: string): Promise<{ status: number }>;
}

function fill(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/\{(to|to_digits|text)\}/g, (_, name: string) => vars[name]);
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  return value;
}

/** What would be sent (method, URL, headers, body), for `to` and `text`: the adapter's whole logic, testable without a network. */
export function gatewayRequest(g: SmsGatewaySettings, to: string, text: string) {
  const vars = { to, to_digits: to.replace(/^\+/, ''), text };
  const encoded = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, encodeURIComponent(v)]));
  const url = g.url.replace(/\{(to|to_digits|text)\}/g, (_, name: string) => encoded[name]);
  const headers: Record<string, string> = { ...g.headers };
  if (g.auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${g.user}:${g.password}`).toString('base64')}`;
  else if (g.auth === 'bearer') headers.authorization = `Bearer ${g.token}`;
  else if (g.auth === 'header') headers[g.header!] = g.token!;
  let body: string | null = null;
  if (g.method !== 'GET' && g.body) {
    const filled = fill(g.body, vars) as Record<string, unknown>;
    if (g.format === 'json') {
      body = JSON.stringify(filled);
      headers['content-type'] ??= 'application/json';
    } else {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(filled)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
      body = form.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
  }
  return { method: g.method, url, headers, body };
}

export function createSmsGateway(g: SmsGatewaySettings): SmsGateway {
  const successBody = g.successBody == null ? null : new RegExp(g.successBody);
  const outgoing = { allowAddresses: g.allowAddresses, timeoutSeconds: g.timeoutSeconds, maxResponseKb: 16 };
  return {
    async send(to, text) {
      const r = gatewayRequest(g, to, text);
      const answer = await sendRequest(r.url, r, outgoing);
      const [lo, hi] = g.successStatus;
      if (answer.status < lo || answer.status > hi)
        throw new GatewayRefusedError(`the SMS gateway answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      if (successBody && !successBody.test(answer.body))
        throw new GatewayRefusedError(`the SMS gateway's answer does not match sms.gateway.successBody: ${answer.body.slice(0, 200)}`);
      return { status: answer.status };
    },
  };
}
