// Every job kind's handler, bound to one context. One file per kind in this
// folder; this table is their index.
import type { AppContext } from '#app/context';
import type { Handlers } from '#app/queue/worker';
import { auditCardChanged } from '#app/workers/audit-card-changed';
import { housekeepingRetention } from '#app/workers/housekeeping-retention';
import { imagesProcess } from '#app/workers/images-process';
import { jobsSweep } from '#app/workers/jobs-sweep';

export function createHandlers(ctx: AppContext): Handlers {
  return {
    'audit.card_changed': auditCardChanged(ctx),
    'jobs.sweep': jobsSweep(ctx),
    'housekeeping.retention': housekeepingRetention(ctx),
    'images.process': imagesProcess(ctx),
  };
}
