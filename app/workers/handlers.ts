// Every job kind's handler, bound to one context. One file per kind in this
// folder; this table is their index.
import type { AppContext } from '#app/context';
import type { Handlers } from '#app/queue/worker';
import { auditAttachmentsChanged } from '#app/workers/audit-attachments-changed';
import { auditCardChanged } from '#app/workers/audit-card-changed';
import { housekeepingMedia } from '#app/workers/housekeeping-media';
import { housekeepingRetention } from '#app/workers/housekeeping-retention';
import { imagesProcess } from '#app/workers/images-process';
import { jobsSweep } from '#app/workers/jobs-sweep';
import { mailSend, notificationsDailyDigest, notificationsMail } from '#app/workers/notifications-mail';
import { remindersDeliver } from '#app/workers/reminders-deliver';
import { searchRebuild } from '#app/workers/search-rebuild';
import { tasksDeadlines } from '#app/workers/tasks-deadlines';

export function createHandlers(ctx: AppContext): Handlers {
  return {
    'audit.card_changed': auditCardChanged(ctx),
    'audit.attachments_changed': auditAttachmentsChanged(ctx),
    'jobs.sweep': jobsSweep(ctx),
    'housekeeping.retention': housekeepingRetention(ctx),
    'housekeeping.media': housekeepingMedia(ctx),
    'images.process': imagesProcess(ctx),
    'tasks.deadlines': tasksDeadlines(ctx),
    'reminders.deliver': remindersDeliver(ctx),
    'notifications.mail': notificationsMail(ctx),
    'notifications.daily_digest': notificationsDailyDigest(ctx),
    'mail.send': mailSend(ctx),
    'search.rebuild': searchRebuild(ctx),
  };
}
