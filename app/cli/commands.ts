// Every manage.ts command, one line each (`./manage.ts help` lists them in
// alphabetical order). Adding a command: a file under app/commands/ that
// exports `command`, and its line here.
export { command as beat } from '#app/commands/beat';
export { command as check } from '#app/commands/check';
export { command as createSuperuser } from '#app/commands/create-superuser';
export { command as db } from '#app/commands/db';
export { command as errorPages } from '#app/commands/error-pages';
export { command as housekeeping } from '#app/commands/housekeeping';
export { command as i18n } from '#app/commands/i18n';
export { command as importDemo } from '#app/commands/import-demo';
export { command as importCards } from '#app/commands/import-cards';
export { command as importFolder } from '#app/commands/import-folder';
export { command as runserver } from '#app/commands/runserver';
export { command as serve } from '#app/commands/serve';
export { command as start } from '#app/commands/start';
export { command as token } from '#app/commands/token';
export { command as types } from '#app/commands/types';
export { command as worker } from '#app/commands/worker';
export { command as mail } from '#app/commands/mail';
