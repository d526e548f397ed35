// The card page's one timeline: its history (app/web/card-history.ts) and its
// comments together, newest first, TIMELINE_PAGE entries a page.
//
// Paging reads each source's newest page × TIMELINE_PAGE entries and merges
// them: every entry of the page asked for is among those, whichever source it
// comes from (a card of thousands of entries is paged, not loaded whole; the
// page number is capped).
import type { Comment } from '#app/services/comments';
import { commentHtml } from '#app/services/comment-text';
import type { Timeline, TimelineItem } from '#app/web/card-history';

export const TIMELINE_PAGE = 50;
export const TIMELINE_MAX_PAGE = 200;

export interface CommentItem {
  kind: 'comment';
  id: number;
  at: Date;
  who: string;
  /** Rendered by the markdown subset (app/services/comment-text.ts): safe HTML. */
  html: string;
  /** The text as written (the edit form). */
  body: string;
  editedAt: Date | null;
  deletedAt: Date | null;
  mine: boolean;
}

export type TimelineEntry = (TimelineItem & { comment?: undefined }) | { comment: CommentItem; at: Date };

export interface MergedTimeline {
  entries: TimelineEntry[];
  page: number;
  more: boolean;
  pending: boolean;
  failed: boolean;
}

/** The page number asked for (?timeline=N), 1 when absent or odd. */
export function timelinePage(raw: unknown): number {
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : 1;
  return Math.min(TIMELINE_MAX_PAGE, Math.max(1, n));
}

export function commentItem(c: Comment, userId: number): CommentItem {
  return {
    kind: 'comment',
    id: c.id,
    at: c.created_at,
    who: c.author_name,
    html: '', // rendered by mergeTimeline for the entries a page shows
    body: c.deleted_at ? '' : c.body,
    editedAt: c.edited_at,
    deletedAt: c.deleted_at,
    mine: c.user_id === userId && !c.deleted_at,
  };
}

/**
 * Page `page` of the merged timeline. `history` and `comments` each hold (at
 * least) their newest page × TIMELINE_PAGE entries, newest first; `more` says
 * whether either has entries beyond what it holds.
 */
export function mergeTimeline(history: Timeline, comments: { items: CommentItem[]; more: boolean }, page: number): MergedTimeline {
  const all: TimelineEntry[] = [...history.items, ...comments.items.map((c) => ({ comment: c, at: c.at }))];
  all.sort((a, b) => new Date(b.at).getTime() - new Date(a.at).getTime());
  const end = page * TIMELINE_PAGE;
  // Markdown is rendered for the page's own comments only: a later page holds
  // page × TIMELINE_PAGE comments of which it shows none but a few.
  const entries = all
    .slice(end - TIMELINE_PAGE, end)
    .map((e) =>
      'comment' in e && e.comment && !e.comment.deletedAt ? { ...e, comment: { ...e.comment, html: commentHtml(e.comment.body) } } : e,
    );
  return {
    entries,
    page,
    more: all.length > end || history.truncated || comments.more,
    pending: history.pending,
    failed: history.failed,
  };
}
