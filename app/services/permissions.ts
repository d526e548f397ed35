// Who may do what with cards. Permissions live here, in the services — the
// pages only hide buttons the services would refuse anyway.
import type { Action, CardType, Scope } from '#app/services/card-types';
import type { SessionUser } from '#app/services/users';

export interface CardOwnership {
  owner_id: number;
  assignee_id: number | null;
}

/** The widest scope any of the user's roles grants for `action` on `type`. */
export function scopeFor(user: SessionUser, type: CardType, action: Action): Scope {
  if (user.isSuperuser) return 'all';
  let best: Scope = 'none';
  for (const role of user.roles) {
    const s = type.permissions[role]?.[action];
    if (s === 'all') return 'all';
    if (s === 'own') best = 'own';
  }
  return best;
}

export function isOwn(user: SessionUser, card: CardOwnership): boolean {
  return card.owner_id === user.id || card.assignee_id === user.id;
}

/** May `user` do `action` on `card` (or, without a card, on some card of the type)? */
export function can(user: SessionUser, type: CardType, action: Action, card?: CardOwnership): boolean {
  const scope = scopeFor(user, type, action);
  if (scope === 'all') return true;
  if (scope === 'none') return false;
  return card ? isOwn(user, card) : true;
}

export function canRead(user: SessionUser, type: CardType, card?: CardOwnership): boolean {
  return can(user, type, 'read', card);
}

/** Transitions the user may take from the card's current stage. */
export function allowedTransitions(user: SessionUser, type: CardType, card: CardOwnership & { stage: string }) {
  if (!can(user, type, 'transition', card)) return [];
  return type.transitions.filter((t) => t.from.includes(card.stage) && (user.isSuperuser || t.roles.some((r) => user.roles.includes(r))));
}
