// GET /healthz: JSON for load balancers and monitors; 503 when a part is down.
import type { Request, Response } from 'express';
import type { AppContext } from '#app/context';

export interface HealthPart {
  ok: boolean;
  ms?: number;
  error?: string;
  [key: string]: unknown;
}

export type HealthProbe = () => Promise<HealthPart>;

export function healthController(ctx: AppContext, extraProbes: Record<string, HealthProbe> = {}) {
  const probes: Record<string, HealthProbe> = {
    async database() {
      const started = Date.now();
      try {
        await ctx.db.rows('select 1');
        return { ok: true, ms: Date.now() - started };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },
    ...extraProbes,
  };
  return {
    async check(_req: Request, res: Response) {
      const entries = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await probe()] as const));
      const parts = Object.fromEntries(entries);
      const ok = entries.every(([, p]) => p.ok);
      res.status(ok ? 200 : 503).set('Cache-Control', 'no-store').json({ status: ok ? 'ok' : 'degraded', ...parts });
    },
  };
}
