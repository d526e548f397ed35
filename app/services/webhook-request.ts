// One outgoing webhook request, safe against reaching inside the network.
//
// What MUST hold, and why:
// - No private, loopback, link-local (or other non-public) address is
//   reached unless the setting webhooks.allowAddresses names it: a webhook's
//   URL is typed by an admin, but the host's DNS answer is not ours.
// - Every address the host resolves to is checked, and the socket connects
//   to an address that was checked: the check is the `lookup` of the request
//   itself (Node calls it once per connection and connects to what it
//   returns), so a DNS answer that changes between a check and the connect
//   (DNS rebinding) cannot slip a private address in. No redirects are
//   followed (a 3xx is an answer like any other).
// - A timeout on the whole request, and at most maxResponseKb of the answer
//   read: a slow or huge answer cannot hold a worker.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface OutgoingSettings {
  allowAddresses: readonly string[];
  timeoutSeconds: number;
  maxResponseKb: number;
}

export interface Answer {
  status: number;
  body: string;
}

/** Refused before sending: the message is the reason, kept with the delivery. */
export class RefusedAddressError extends Error {}

const BLOCKED = new net.BlockList();
for (const [net_, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net_, prefix, 'ipv4');
for (const [net_, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  BLOCKED.addSubnet(net_, prefix, 'ipv6');

/** True when `address` is private, loopback, link-local or otherwise not public (an IPv4-mapped IPv6 address as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The lookup the request connects through: resolves every address, refuses the whole host if one is not allowed. */
function guardedLookup(allow: readonly string[]): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => isPrivateAddress(a.address) && !allow.includes(a.address));
      if (refused)
        return callback(new RefusedAddressError(`refused: ${hostname} resolves to ${refused.address}, a private address`), '', 0);
      if (!addresses.length) return callback(new Error(`${hostname}: no address`), '', 0);
      // The connect goes to exactly what was checked.
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** POSTs `body` to `url` with `headers`; resolves with the answer (any status), rejects when refused, unreachable or too slow. */
export function postJson(url: string, body: string, headers: Record<string, string>, s: OutgoingSettings): Promise<Answer> {
  return sendRequest(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }, s);
}

/** One request with the same guards (address checks, timeout, answer size); `body` null sends none (GET). */
export function sendRequest(
  url: string,
  request: { method: string; body: string | null; headers: Record<string, string> },
  s: OutgoingSettings,
): Promise<Answer> {
  const { method, body } = request;
  const target = new URL(url);
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  // An address in the URL is checked here (Node does not call lookup for it).
  if (net.isIP(literal) && isPrivateAddress(literal) && !s.allowAddresses.includes(literal))
    return Promise.reject(new RefusedAddressError(`refused: ${literal} is a private address`));
  const client = target.protocol === 'https:' ? https : http;
  const limit = s.maxResponseKb * 1024;
  return new Promise<Answer>((resolve, reject) => {
    const req = client.request(
      target,
      {
        method,
        headers: { ...(body == null ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...request.headers },
        lookup: guardedLookup(s.allowAddresses),
        timeout: s.timeoutSeconds * 1000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, limit) });
        res.on('data', (chunk: Buffer) => {
          if (size >= limit) return;
          chunks.push(chunk.subarray(0, limit - size));
          size += chunk.length;
          // Enough read: the rest is not waited for.
          if (size >= limit) {
            res.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${s.timeoutSeconds} s`)), s.timeoutSeconds * 1000);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${s.timeoutSeconds} s`)));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}
