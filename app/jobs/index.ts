// Every job kind of Orbis: one file per kind in this folder, listed here.
// The rest is derived from this list: the kinds the queue accepts and their
// payload types (JobPayloads, for a typed enqueue), the handlers a worker
// runs (app/worker/start.ts) and the beat's schedule (the kinds with a
// `schedule`). Adding a kind: its file, and one line here.
import { scheduleOf } from '#app/beat/schedule';
import { job as accountsEmailChangeMail } from '#app/jobs/accounts.email-change-mail';
import { job as accountsPasswordResetMail } from '#app/jobs/accounts.password-reset-mail';
import { job as auditAttachmentsChanged } from '#app/jobs/audit.attachments-changed';
import { job as auditCardChanged } from '#app/jobs/audit.card-changed';
import { job as cardsImport } from '#app/jobs/cards.import';
import { job as cardsBulk } from '#app/jobs/cards.bulk';
import { job as cardtypesMoveStages } from '#app/jobs/cardtypes.move-stages';
import type { PayloadsOf } from '#app/jobs/define';
import { job as housekeepingMedia } from '#app/jobs/housekeeping.media';
import { job as housekeepingRetention } from '#app/jobs/housekeeping.retention';
import { job as facesPurge } from '#app/jobs/faces.purge';
import { job as facesRegroup } from '#app/jobs/faces.regroup';
import { job as facesRunAgain } from '#app/jobs/faces.run-again';
import { job as imagesFaces } from '#app/jobs/images.faces';
import { job as imagesProcess } from '#app/jobs/images.process';
import { job as jobsSweep } from '#app/jobs/jobs.sweep';
import { job as mailFetch } from '#app/jobs/mail.fetch';
import { job as mailSend } from '#app/jobs/mail.send';
import { job as notificationsCardEvent } from '#app/jobs/notifications.card-event';
import { job as notificationsDailyDigest } from '#app/jobs/notifications.daily-digest';
import { job as notificationsMail } from '#app/jobs/notifications.mail';
import { job as notificationsSms } from '#app/jobs/notifications.sms';
import { job as remindersDeliver } from '#app/jobs/reminders.deliver';
import { job as searchRebuild } from '#app/jobs/search.rebuild';
import { job as smsSend } from '#app/jobs/sms.send';
import { job as tasksDeadlines } from '#app/jobs/tasks.deadlines';
import { job as webhooksDeliver } from '#app/jobs/webhooks.deliver';
import type { Handler } from '#app/queue/kind';
import type { JobQueue } from '#app/queue/jobs';

export const JOBS = [
  cardsImport,
  auditCardChanged,
  auditAttachmentsChanged,
  jobsSweep,
  housekeepingRetention,
  housekeepingMedia,
  imagesProcess,
  tasksDeadlines,
  remindersDeliver,
  notificationsMail,
  notificationsDailyDigest,
  notificationsCardEvent,
  mailSend,
  searchRebuild,
  accountsPasswordResetMail,
  accountsEmailChangeMail,
  webhooksDeliver,
  cardsBulk,
  notificationsSms,
  smsSend,
  mailFetch,
  cardtypesMoveStages,
  imagesFaces,
  facesRegroup,
  facesPurge,
  facesRunAgain,
] as const;

/**
 * kind → payload type. An interface so that tests can add their kinds:
 *   declare module '#app/jobs/index' { interface JobPayloads extends PayloadsOf<typeof TEST_JOBS> {} }
 */
// An interface, not a type alias, because only an interface can be merged with the tests' kinds.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobPayloads extends PayloadsOf<typeof JOBS> {}

export type JobKind = keyof JobPayloads;

/** The queue, typed by every kind's payload. */
export type Jobs = JobQueue<JobPayloads>;

/** Handlers by kind (tests replace some). */
export type Handlers = { [K in JobKind]?: Handler<JobPayloads[K]> };

/** The beat's schedule: every kind that has a `schedule`. */
export const SCHEDULE = scheduleOf(JOBS);
