// Every model bound to one database: one per table, the schema of record
// (test/integration/db.models-match-schema.test.ts checks each against the
// migrated tables). Built by a factory (nothing on import), so a test can
// hold two databases in one process. A new table: its migration in
// app/db/migrations/ and its model here.
import type { Sequelize } from 'sequelize';
import { defineApiToken, type ApiToken } from '#app/models/api-token';
import { defineAccountToken, type AccountToken } from '#app/models/account-token';
import { defineAuthEvent, type AuthEvent } from '#app/models/auth-event';
import { defineBulkRun, defineBulkRunCard, type BulkRun, type BulkRunCard } from '#app/models/bulk-run';
import { defineBeatRun, defineBeatStatus, type BeatRun, type BeatStatus } from '#app/models/beat';
import {
  defineCardComment,
  defineCardCommentRevision,
  defineCardWatcher,
  type CardComment,
  type CardCommentRevision,
  type CardWatcher,
} from '#app/models/comment';
import { defineCard, defineCardCounter, defineCardHistory, type Card, type CardCounter, type CardHistory } from '#app/models/card';
import { defineFaceModels, type FaceModels } from '#app/models/face';
import { defineJob, type Job } from '#app/models/job';
import { defineLoginCounter, type LoginCounter } from '#app/models/login-counter';
import { defineMailbox, defineMailMessage, type Mailbox, type MailMessage } from '#app/models/mailbox';
import { defineMedia, defineMediaImport, type Media, type MediaImport } from '#app/models/media';
import {
  defineNotification,
  defineNotificationPreference,
  defineSmsModels,
  type Notification,
  type NotificationPreference,
  type NotificationSms,
  type SmsThrottle,
} from '#app/models/notification';
import { defineReminder, type Reminder } from '#app/models/reminder';
import { defineRequestLog, type RequestLog } from '#app/models/request-log';
import { defineRole, type Role } from '#app/models/role';
import { defineSavedView, type SavedView } from '#app/models/saved-view';
import { defineRolePermission, type RolePermission } from '#app/models/role-permission';
import { defineCardTypeVersion, type CardTypeVersion } from '#app/models/card-type-version';
import { defineWorkCalendar, type Holiday, type WorkCalendarRow } from '#app/models/work-calendar';
import { defineCardImport, defineCardImportMapping, type CardImport, type CardImportMapping } from '#app/models/card-import';
import { defineSearchState, type SearchState } from '#app/models/search-state';
import { defineRecoveryCode, defineUserTotp, type RecoveryCode, type UserTotp } from '#app/models/second-factor';
import { defineSession, type Session } from '#app/models/session';
import { defineTask, type Task } from '#app/models/task';
import { defineUserRole, type UserRole } from '#app/models/user-role';
import { defineUser, type User } from '#app/models/user';
import { defineUserIdentity, type UserIdentity } from '#app/models/user-identity';
import { defineWebhook, defineWebhookDelivery, type Webhook, type WebhookDelivery } from '#app/models/webhook';

export interface Models extends FaceModels {
  User: typeof User;
  Role: typeof Role;
  UserRole: typeof UserRole;
  Session: typeof Session;
  LoginCounter: typeof LoginCounter;
  AuthEvent: typeof AuthEvent;
  AccountToken: typeof AccountToken;
  Card: typeof Card;
  CardCounter: typeof CardCounter;
  CardHistory: typeof CardHistory;
  Job: typeof Job;
  BeatRun: typeof BeatRun;
  BeatStatus: typeof BeatStatus;
  Media: typeof Media;
  MediaImport: typeof MediaImport;
  Notification: typeof Notification;
  NotificationPreference: typeof NotificationPreference;
  Reminder: typeof Reminder;
  Task: typeof Task;
  RequestLog: typeof RequestLog;
  SearchState: typeof SearchState;
  CardComment: typeof CardComment;
  CardCommentRevision: typeof CardCommentRevision;
  CardWatcher: typeof CardWatcher;
  ApiToken: typeof ApiToken;
  Webhook: typeof Webhook;
  WebhookDelivery: typeof WebhookDelivery;
  UserTotp: typeof UserTotp;
  RecoveryCode: typeof RecoveryCode;
  UserIdentity: typeof UserIdentity;
  SavedView: typeof SavedView;
  RolePermission: typeof RolePermission;
  CardTypeVersion: typeof CardTypeVersion;
  NotificationSms: typeof NotificationSms;
  SmsThrottle: typeof SmsThrottle;
  WorkCalendarRow: typeof WorkCalendarRow;
  Holiday: typeof Holiday;
  CardImport: typeof CardImport;
  CardImportMapping: typeof CardImportMapping;
  BulkRun: typeof BulkRun;
  BulkRunCard: typeof BulkRunCard;
  Mailbox: typeof Mailbox;
  MailMessage: typeof MailMessage;
}

export function defineModels(sequelize: Sequelize): Models {
  const User = defineUser(sequelize);
  const Role = defineRole(sequelize);
  const UserRole = defineUserRole(sequelize);
  User.belongsToMany(Role, { through: UserRole, foreignKey: 'user_id', otherKey: 'role_id', as: 'roles' });
  Role.belongsToMany(User, { through: UserRole, foreignKey: 'role_id', otherKey: 'user_id', as: 'users' });
  return {
    User,
    Role,
    UserRole,
    Session: defineSession(sequelize),
    LoginCounter: defineLoginCounter(sequelize),
    AuthEvent: defineAuthEvent(sequelize),
    AccountToken: defineAccountToken(sequelize),
    Card: defineCard(sequelize),
    CardCounter: defineCardCounter(sequelize),
    CardHistory: defineCardHistory(sequelize),
    Job: defineJob(sequelize),
    BeatRun: defineBeatRun(sequelize),
    BeatStatus: defineBeatStatus(sequelize),
    Media: defineMedia(sequelize),
    MediaImport: defineMediaImport(sequelize),
    Notification: defineNotification(sequelize),
    NotificationPreference: defineNotificationPreference(sequelize),
    Reminder: defineReminder(sequelize),
    Task: defineTask(sequelize),
    RequestLog: defineRequestLog(sequelize),
    SearchState: defineSearchState(sequelize),
    CardComment: defineCardComment(sequelize),
    CardCommentRevision: defineCardCommentRevision(sequelize),
    CardWatcher: defineCardWatcher(sequelize),
    ApiToken: defineApiToken(sequelize),
    Webhook: defineWebhook(sequelize),
    WebhookDelivery: defineWebhookDelivery(sequelize),
    UserTotp: defineUserTotp(sequelize),
    RecoveryCode: defineRecoveryCode(sequelize),
    UserIdentity: defineUserIdentity(sequelize),
    SavedView: defineSavedView(sequelize),
    RolePermission: defineRolePermission(sequelize),
    CardTypeVersion: defineCardTypeVersion(sequelize),
    ...defineWorkCalendar(sequelize),
    ...defineSmsModels(sequelize),
    CardImport: defineCardImport(sequelize),
    CardImportMapping: defineCardImportMapping(sequelize),
    BulkRun: defineBulkRun(sequelize),
    BulkRunCard: defineBulkRunCard(sequelize),
    Mailbox: defineMailbox(sequelize),
    MailMessage: defineMailMessage(sequelize),
    ...defineFaceModels(sequelize),
  };
}
