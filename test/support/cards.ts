// Helpers for card tests: users with roles, cards made through the service.
import type { AppContext } from '#app/context';
import type { Card } from '#app/services/cards';
import type { SessionUser } from '#app/services/users';
import { makeUser } from '#test/support/app';

export async function sessionUserFor(
  ctx: AppContext,
  email: string,
  options: { roles?: string[]; superuser?: boolean; name?: string } = {},
): Promise<SessionUser> {
  const u = await makeUser(ctx, email, options);
  return (await ctx.services.users.sessionUser(u.id))!;
}

export function purchaseInput(overrides: Record<string, string> = {}): Record<string, string> {
  return { title: 'Laptops', supplier: 'Bytecraft Ltd', amount: '1200.50', category: 'it', quantity: '2', ...overrides };
}

export async function makePurchase(ctx: AppContext, owner: SessionUser, overrides: Record<string, string> = {}): Promise<Card> {
  return ctx.services.cards.create(owner, 'purchase_request', purchaseInput(overrides));
}
