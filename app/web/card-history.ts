// The card page's timeline: history entries as a person reads them — field
// labels from the card type, stage labels, option labels, user names, card
// numbers — never raw ids. Values stay text; the template escapes them.
import type { CardHistory, FieldChange, HistoryEntry } from '#app/services/audit';
import type { CardType } from '#app/services/card-types';
import { anyField, COMMON_COLUMNS } from '#app/services/card-types';
import type { DisplayMaps, FieldValue, Reader } from '#app/fields/field-type';
import { fieldType } from '#app/fields/registry';
import { formatDateTime } from '#app/web/render';

/** Long texts are cut in the timeline; the card shows them whole. */
const MAX_TEXT = 200;

export interface TimelineLine {
  label: string;
  /** null for a value given at creation (no "before"). */
  old: string | null;
  new: string;
}

export interface TimelineItem {
  /** null for files added or removed. */
  version: number | null;
  kind: HistoryEntry['kind'];
  at: Date;
  who: string;
  what: string;
  lines: TimelineLine[];
}

export interface Timeline {
  items: TimelineItem[];
  pending: boolean;
  failed: boolean;
  truncated: boolean;
}

const EMPTY = '—';

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s;
}

function valueText(type: CardType, change: FieldChange, value: unknown, maps: DisplayMaps, reader: Reader): string {
  if (value == null || value === '') return EMPTY;
  const { t } = reader;
  switch (change.field) {
    case 'title':
      return clip(String(value));
    case 'stage':
      return type.stageMap.get(String(value))?.label ?? String(value);
    case 'assignee':
      return maps.users.get(value as number) ?? t('history.removedUser');
    case 'due_at':
      return formatDateTime(String(value), reader.timeZone, reader.locale);
  }
  const f = anyField(type, change.field);
  if (!f) return clip(typeof value === 'object' ? JSON.stringify(value) : String(value));
  // Files added or removed under a field are a list of names.
  if (Array.isArray(value)) return t('history.files', { count: value.length });
  return clip(fieldType(f).historyText(f, value as FieldValue, maps, reader)) || EMPTY;
}

// i18n-keys: cards.columns.*
function labelOf(type: CardType, field: string, t: Reader['t']): string {
  return anyField(type, field)?.label ?? (field in COMMON_COLUMNS ? t(`cards.columns.${field}`) : field);
}

function whatOf(type: CardType, e: HistoryEntry, t: Reader['t']): string {
  switch (e.kind) {
    case 'created':
      return e.source?.startsWith('import:') ? t('history.imported', { file: e.source.slice(7) }) : t('history.created');
    case 'updated':
      return t('history.edited');
    case 'transitioned':
      if (!e.transition && e.source?.startsWith('cardtype:')) return t('history.movedByType', { version: e.source.slice(9) });
      return type.transitions.find((x) => x.name === e.transition)?.label ?? t('history.moved');
    case 'deleted':
      return t('history.deleted');
    case 'restored':
      return t('history.restored');
    case 'attached':
      return t('history.addedFiles', { count: filesOf(e).length });
    case 'detached':
      return t('history.removedFile');
  }
}

/** The file names of an attachments entry (its one change, "files"). */
function filesOf(e: HistoryEntry): string[] {
  const c = e.changes[0];
  const names = c ? (e.kind === 'attached' ? c.new : c.old) : null;
  return Array.isArray(names) ? names.map(String) : [];
}

function linesOf(type: CardType, e: HistoryEntry, maps: DisplayMaps, reader: Reader): TimelineLine[] {
  if (e.kind === 'attached' || e.kind === 'detached') {
    return [
      {
        label: reader.t(e.kind === 'attached' ? 'history.added' : 'history.removed'),
        old: null,
        new: clip(filesOf(e).join(', ')) || EMPTY,
      },
    ];
  }
  return e.changes.map((c) => ({
    label: labelOf(type, c.field, reader.t),
    old: e.kind === 'created' ? null : valueText(type, c, c.old, maps, reader),
    new: valueText(type, c, c.new, maps, reader),
  }));
}

/** The timeline as `reader` reads it; `type` is the card type in their language (typeIn). */
export function historyTimeline(type: CardType, history: CardHistory, reader: Reader): Timeline {
  const maps: DisplayMaps = { users: history.users, cards: history.cards };
  return {
    pending: history.pending,
    failed: history.failed,
    truncated: history.truncated,
    items: history.entries.map((e) => ({
      version: e.version,
      kind: e.kind,
      at: e.at,
      who: e.userName ?? reader.t('history.someone'),
      what: whatOf(type, e, reader.t),
      lines: linesOf(type, e, maps, reader),
    })),
  };
}
