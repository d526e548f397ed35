// What a field type is: one object naming everything Orbis does with a value
// of that type — reading it from a form, a CSV file or the stored JSON,
// showing it (card page, list cell, history, form control, list filter),
// sorting and filtering by it in SQL, searching it, exporting it — and which
// options a card type's YAML may give a field of that type. Every capability
// is required: a type that forgets one does not compile
// (test/unit/fields.every-capability-required.test.ts). One file per type in
// app/fields/, registered in app/fields/registry.ts.
import type { ZodType } from 'zod';
import type { Translate } from '#app/i18n/i18n';
import type { Text } from '#app/i18n/message';

/** A value as a card's `data` holds it (JSON). */
export type FieldValue = string | number | boolean | null;

/** A text per language, keyed by language code (see card-types.ts). */
export type Translations = Readonly<Record<string, string>>;
export type Translated = 'label' | 'plural' | 'help';
export interface HasTranslations {
  translations?: Partial<Record<Translated, Translations>>;
}

export interface FieldOption extends HasTranslations {
  value: string;
  label: string;
}

/** A field as a card type declares it. The optional members are the options the built-in types read. */
export interface FieldDef extends HasTranslations {
  name: string;
  /** The field type's name (a key of the registry). */
  type: string;
  label: string;
  required: boolean;
  help?: string;
  /** Archived: kept for the values cards hold (history, export), hidden from forms, lists and the API. */
  archived?: boolean;
  min?: number;
  max?: number;
  pattern?: string;
  options?: FieldOption[];
  /** user fields: only users with this role may be chosen. */
  role?: string;
  /** reference fields: the card type referred to. */
  to?: string;
}

/** The stored value, or why the input cannot be stored. */
export type Parsed = { value: FieldValue } | { error: Text };

/**
 * A CSV or API value that names a record by what the export writes for it
 * (a user's email, a card's number): the caller resolves it to an id.
 */
export type ParsedImport = Parsed | { lookup: 'user' | 'card'; key: string };

/** Who reads a value: their language (words, number and date formats) and time zone. */
export interface Reader {
  t: Translate;
  locale: string;
  timeZone: string;
}

/** Names of the users and cards that values refer to by id (loaded once per page). */
export interface DisplayMaps {
  users: Map<number, string>;
  cards: Map<number, { number: string; title: string; type: string }>;
}

/** What a batch of exported cards refers to by id: users' emails, cards' numbers, media ids per card and field. */
export interface ExportRefs {
  emails: Map<number, string>;
  numbers: Map<number, string>;
  media: Map<string, number[]>;
}

export interface ExportContext {
  refs: ExportRefs;
  timeZone: string;
  card: { id: number };
}

/**
 * How a field shows on a card form: `name` is the macro in
 * app/web/templates/cards/controls.njk (input, textarea, checkbox, select,
 * pick); the rest is that macro's data.
 */
export interface FormControl {
  name: 'input' | 'textarea' | 'checkbox' | 'select' | 'pick';
  /** The whole row instead of half of it. */
  wide?: boolean;
  /** input: the HTML input type (text, date, datetime-local, number…) and inputmode. */
  inputType?: string;
  inputMode?: string;
  min?: number;
  max?: number;
  /** select: the choices (pick takes them from the form's `choices.fields[name]`, loaded per `link`). */
  options?: readonly { value: string; label: string }[];
}

/** What a list page's filter for the field shows: a choice of values, or a from/to pair of inputs. */
export type FilterControl = { name: 'choice'; options: readonly { value: string; label: Text }[] } | { name: 'range'; inputType: string };

/** Binds a query parameter and names it ($n). */
export type Bind = (value: unknown) => string;

export interface FieldFilter {
  /** The URL parameters it reads, as suffixes of the field's name: [''] for one value, ['_from', '_to'] for a range. */
  params: readonly string[];
  /** The SQL condition for one parameter's value (`expr` is the stored value as text), or what is wrong with the value. */
  where(
    def: FieldDef,
    suffix: string,
    value: string,
    expr: string,
    q: { bind: Bind; timeZone: string },
  ): { sql: string } | { problem: Text };
  control(def: FieldDef): FilterControl;
}

/** Reads one YAML option into the field; `fail` stops the load with the message. */
export type OptionReader = (
  def: FieldDef,
  raw: unknown,
  o: { fail: (message: string) => never; texts: (into: HasTranslations, raw: unknown, where: string) => string },
) => void;

/**
 * A field's value in the REST API (app/web/api/): its JSON shape, as a zod
 * schema built from the field's options — the one source of the request
 * check and of the OpenAPI document — and the way a checked value reaches
 * the card service (as the form text parseForm reads). Answers show
 * `fromStored(value)`, which has the same shape.
 */
export interface FieldApi {
  /** The schema of a set value (the API allows null where the field may be empty). */
  schema(def: FieldDef): ZodType;
  /** A value that passed `schema` as the text parseForm reads; instants in UTC (the API's reader has that zone). */
  formText(def: FieldDef, value: unknown): string;
}

export interface FieldType {
  /** The name card types use (`type: date`). */
  readonly name: string;

  /** The YAML: the options a field of this type takes besides name, type, label, required and help (others are refused at load). */
  readonly yaml: {
    readonly options: Readonly<Record<string, OptionReader>>;
    /** What must hold once the options are read (min ≤ max, a select has options…). */
    check(def: FieldDef, fail: (message: string) => never): void;
    /** What must hold once every card type is loaded (a reference names a known type). */
    checkTypes(def: FieldDef, typeNames: ReadonlySet<string>, fail: (message: string) => never): void;
  };

  /** Values live in the media table (attachments), not in the card's data: no form input, column, sort or filter. */
  readonly holdsFiles: boolean;
  /**
   * What the value (a number) names by id: a user (the field's `role` limits the choice), a card (of the
   * card type the field's `to` names), or nothing. Pages load the names, forms the choices, saves check
   * the user is active or the card readable.
   */
  readonly link: 'user' | 'card' | null;

  /** A form's text (trimmed, '' when empty) as the stored value, or the message for the person who typed it. */
  parseForm(def: FieldDef, input: string, q: { timeZone: string }): Parsed;
  /** What a reader typed in their language's notation ("1 234,50") in the notation parseForm reads ("1234.50"). */
  localInput(def: FieldDef, input: string, locale: string): string;
  /** A CSV cell or API value, as the export writes it (app/services/card-export.ts), as the stored value. */
  parseImport(def: FieldDef, input: string, q: { timeZone: string }): ParsedImport;

  /** The stored JSON as this type's value (null when absent or of another shape). */
  fromStored(json: unknown): FieldValue;
  /** The value as JSON to store. */
  toStored(value: FieldValue): FieldValue;

  /** The form control and its data; null when the card form has no input for the field. */
  control(def: FieldDef): FormControl | null;
  /** The form input's text for a stored value (times in the reader's zone, decimals with their separator). */
  formValue(def: FieldDef, value: FieldValue, reader: Omit<Reader, 't'>): string;

  /** The value as a person reads it on the card page (never '' for a set value). */
  display(def: FieldDef, value: FieldValue, maps: DisplayMaps, reader: Reader): string;
  /** The list cell's text; null when the field cannot be a list column. */
  readonly listCell: ((def: FieldDef, value: FieldValue, maps: DisplayMaps, reader: Reader) => string) | null;
  /** The history line's text for a value (set); the timeline clips it. */
  historyText(def: FieldDef, value: FieldValue, maps: DisplayMaps, reader: Reader): string;

  /** The ORDER BY expression over `expr`, the stored value as text (`c.data->>'name'`); null: not sortable. */
  sortSql(expr: string): string | null;
  /** The list filter; null: the field cannot be a filter. */
  readonly filter: FieldFilter | null;
  /** The words a card is found by for this value; null: the field cannot be a search field. */
  readonly searchText: ((def: FieldDef, value: FieldValue) => string) | null;

  /** The CSV cell (before quoting): plain values a program reads back; '' for no value. */
  csvValue(def: FieldDef, value: FieldValue, c: ExportContext): string;

  /** The value in the REST API; null: not among a card's API fields (files are the card's attachments there). */
  readonly api: FieldApi | null;
}
