// The card page's timeline: history entries as a person reads them — field
// labels from the card type, stage labels, option labels, user names, card
// numbers — never raw ids. Values stay text; the template escapes them.
import type { CardHistory, FieldChange, HistoryEntry } from '#app/services/audit';
import type { CardType } from '#app/services/card-types';
import { COMMON_COLUMNS } from '#app/services/card-types';
import { fieldText, type DisplayMaps } from '#app/web/card-display';
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

function valueText(type: CardType, change: FieldChange, value: unknown, maps: DisplayMaps, timeZone: string): string {
  if (value == null || value === '') return EMPTY;
  switch (change.field) {
    case 'title':
      return clip(String(value));
    case 'stage':
      return type.stageMap.get(String(value))?.label ?? String(value);
    case 'assignee':
      return maps.users.get(value as number) ?? 'a removed user';
    case 'due_at':
      return formatDateTime(String(value), timeZone);
  }
  const f = type.fieldMap.get(change.field);
  if (!f) return clip(typeof value === 'object' ? JSON.stringify(value) : String(value));
  if (f.type === 'images' || Array.isArray(value)) {
    const n = Array.isArray(value) ? value.length : 1;
    return n === 1 ? '1 file' : `${n} files`;
  }
  if (f.type === 'user' && !maps.users.has(value as number)) return 'a removed user';
  if (f.type === 'reference') return maps.cards.get(value as number)?.number ?? 'a removed card';
  return clip(fieldText(f, value, maps, timeZone)) || EMPTY;
}

function labelOf(type: CardType, field: string): string {
  return type.fieldMap.get(field)?.label ?? COMMON_COLUMNS[field] ?? field;
}

function whatOf(type: CardType, e: HistoryEntry): string {
  switch (e.kind) {
    case 'created':
      return 'Created';
    case 'updated':
      return 'Edited';
    case 'transitioned':
      return type.transitions.find((t) => t.name === e.transition)?.label ?? 'Moved';
    case 'deleted':
      return 'Deleted';
    case 'restored':
      return 'Restored';
    case 'attached': {
      const n = filesOf(e).length;
      return n === 1 ? 'Added a file' : `Added ${n} files`;
    }
    case 'detached':
      return 'Removed a file';
  }
}

/** The file names of an attachments entry (its one change, "files"). */
function filesOf(e: HistoryEntry): string[] {
  const c = e.changes[0];
  const names = c ? (e.kind === 'attached' ? c.new : c.old) : null;
  return Array.isArray(names) ? names.map(String) : [];
}

function linesOf(type: CardType, e: HistoryEntry, maps: DisplayMaps, timeZone: string): TimelineLine[] {
  if (e.kind === 'attached' || e.kind === 'detached') {
    return [{ label: e.kind === 'attached' ? 'Added' : 'Removed', old: null, new: clip(filesOf(e).join(', ')) || EMPTY }];
  }
  return e.changes.map((c) => ({
    label: labelOf(type, c.field),
    old: e.kind === 'created' ? null : valueText(type, c, c.old, maps, timeZone),
    new: valueText(type, c, c.new, maps, timeZone),
  }));
}

export function historyTimeline(type: CardType, history: CardHistory, timeZone: string): Timeline {
  const maps: DisplayMaps = { users: history.users, cards: history.cards };
  return {
    pending: history.pending,
    failed: history.failed,
    truncated: history.truncated,
    items: history.entries.map((e) => ({
      version: e.version,
      kind: e.kind,
      at: e.at,
      who: e.userName ?? 'someone',
      what: whatOf(type, e),
      lines: linesOf(type, e, maps, timeZone),
    })),
  };
}
