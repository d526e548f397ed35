// GET /healthz: JSON for load balancers and monitors.
//
// The status code answers one question, "can this web process serve
// pages?": 503 (status "degraded", as before) only when a part it cannot
// serve without is down — the database, and parts added by others unless
// listed below. The broker and the beat are reported (ok: false, and named
// in `warnings`) but keep the answer 200: pages work without them — jobs
// wait in the jobs table (the outbox) until the broker is back, and a silent
// beat only delays scheduled work. A 503 for them would make a load balancer
// take every web process out of rotation at once, turning a background
// problem into a full outage. Monitors alert on `warnings`.
//
// Who sees what: anyone gets the status alone (overall, `warnings`, and
// `ok` per part), which is all a load balancer or uptime check needs. The
// details (timings, the beat's host:pid, error texts that can name a host or
// a broker URL) go to a signed-in superuser, and to a caller on this machine
// that did not come through the proxy: nginx (deploy/nginx/orbis.conf) sets
// X-Real-IP and X-Forwarded-For on every request it passes (other proxies
// set those or Forwarded) and connects from loopback, so loopback alone
// would hand the details to the internet.
import type { Request, Response } from 'express';
import type { Cache } from '#app/cache/cache';
import type { Services } from '#app/context';

export interface HealthPart {
  ok: boolean;
  ms?: number;
  error?: string;
  [key: string]: unknown;
}

export type HealthProbe = () => Promise<HealthPart>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** A caller on this machine, not a request nginx (or another proxy) passed on. */
export function localDirect(req: Request): boolean {
  return (
    LOOPBACK.has(req.socket.remoteAddress ?? '') && !['x-forwarded-for', 'x-real-ip', 'forwarded'].some((h) => req.headers[h] !== undefined)
  );
}

/** Parts reported, but not worth taking a web process out of rotation for. */
// The cache too: without it pages read the database (slower, still correct).
const NOT_CRITICAL = new Set(['broker', 'beat', 'cache']);

export type HealthDeps = Pick<Services, 'engineStatus'> & { cache: Cache };

export function healthController({ engineStatus: engine, cache }: HealthDeps, extraProbes: Record<string, HealthProbe> = {}) {
  const probes: Record<string, HealthProbe> = {
    database: async () => ({ ...(await engine.database()) }),
    broker: async () => ({ ...(await engine.broker()) }),
    async beat() {
      const b = await engine.beat();
      return {
        ok: b.ok,
        lastHeartbeat: b.heartbeatAt?.toISOString() ?? null,
        ageSeconds: b.ageSeconds,
        holder: b.holder,
        ...(b.error ? { error: b.error } : {}),
      };
    },
    cache: async () => ({ ...(await cache.ping()) }),
    ...extraProbes,
  };
  return {
    async check(req: Request, res: Response) {
      const entries = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await probe()] as const));
      const detailed = Boolean(req.user?.isSuperuser) || localDirect(req);
      const parts = Object.fromEntries(entries.map(([name, p]) => [name, detailed ? p : { ok: p.ok }]));
      const serving = entries.every(([name, p]) => p.ok || NOT_CRITICAL.has(name));
      const warnings = entries.filter(([, p]) => !p.ok).map(([name]) => name);
      res
        .status(serving ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json({ status: serving ? 'ok' : 'degraded', warnings, ...parts });
    },
  };
}
