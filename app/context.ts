// The application context: settings, logger, database, models and services
// of one installation, built by a factory so that tests can build several.
import path from 'node:path';
import type { Settings } from '#app/config';
import { openDatabase, type Database } from '#app/db/connection';
import { createLogger, type Logger } from '#app/log';
import { defineModels, type Models } from '#app/models/registry';
import { loadCardTypes } from '#app/services/card-types';
import { CardService } from '#app/services/cards';
import { LoginThrottle } from '#app/services/throttle';
import { UserService } from '#app/services/users';

export interface Services {
  users: UserService;
  cards: CardService;
  throttle: LoginThrottle;
}

export interface AppContext {
  settings: Settings;
  log: Logger;
  db: Database;
  models: Models;
  services: Services;
  close(): Promise<void>;
}

export interface ContextOptions {
  log?: Logger;
  /** Use this database instead of the configured (or embedded) one. */
  databaseUrl?: string;
  /** Where the card types are declared (default conf/cardtypes). */
  cardTypesDir?: string;
}

export async function createContext(settings: Settings, options: ContextOptions = {}): Promise<AppContext> {
  const log = options.log ?? createLogger(settings);
  // Card types first: a mistake in them stops the start before anything opens.
  const cardTypes = loadCardTypes(options.cardTypesDir ?? path.join(settings.root, 'conf', 'cardtypes'));
  const db = await openDatabase(settings, log, options.databaseUrl);
  const models = defineModels(db.sequelize);
  const throttle = new LoginThrottle(db, settings);
  const services: Services = {
    throttle,
    users: new UserService(db, models, settings, throttle),
    cards: new CardService(db, cardTypes),
  };
  const closers: Array<() => Promise<void>> = [];
  let closing: Promise<void> | null = null;
  return {
    settings,
    log,
    db,
    models,
    services,
    close() {
      closing ??= (async () => {
        for (const close of closers.reverse()) await close();
        await db.close();
      })();
      return closing;
    },
  };
}
