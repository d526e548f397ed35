// Demo cards for the shipped card types: a few of each, in several stages,
// created through the card service (so they get numbers, SLAs and history
// like any other). Loaded only when a type has no card yet.
import type { DemoTexts } from '#app/demo/texts';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import type { SessionUser } from '#app/services/users';

/** What the demo cards uses of the application: the database and these services (an AppContext serves). */
export interface DemoCardsDeps {
  db: Database;
  services: Pick<Services, 'cards' | 'users'>;
}

export async function loadDemoCards(ctx: DemoCardsDeps, texts: DemoTexts): Promise<string | null> {
  const { suppliers: SUPPLIERS, customers: CUSTOMERS } = texts;
  const cards = ctx.services.cards;
  const users = ctx.services.users;
  const asUser = async (email: string): Promise<SessionUser | null> => {
    const u = await users.findByEmail(email);
    return u ? users.sessionUser(u.id) : null;
  };
  const olga = await asUser('olga.operator@orbis.local');
  const oscar = await asUser('oscar.operator@orbis.local');
  const maria = await asUser('maria.manager@orbis.local');
  if (!olga || !oscar || !maria) return null;
  let made = 0;

  const [{ n: prs }] = await ctx.db.rows<{ n: number }>("select count(*)::int as n from cards where type = 'purchase_request'");
  if (prs === 0 && cards.types.get('purchase_request')) {
    const items = texts.purchases;
    for (const [i, [title, category, amount, quantity, cc]] of items.entries()) {
      const author = i % 2 ? oscar : olga;
      const card = await cards.create(author, 'purchase_request', {
        title,
        supplier: SUPPLIERS[i % SUPPLIERS.length],
        amount: String(amount),
        category,
        quantity: String(quantity),
        cost_center: cc,
        needed_by: new Date(Date.now() + (i + 1) * 7 * 86_400_000).toISOString().slice(0, 10),
        urgent: i === 0 ? 'on' : '',
        approver: String(maria.id),
        assignee: String(author.id),
        description: texts.requestedBy(author.displayName),
      });
      made++;
      if (i < 4) await cards.transition(author, 'purchase_request', card.id, 'submit');
      if (i < 2) await cards.transition(maria, 'purchase_request', card.id, 'approve');
      if (i === 0) await cards.transition(maria, 'purchase_request', card.id, 'order');
    }
  }

  const [{ n: ccs }] = await ctx.db.rows<{ n: number }>("select count(*)::int as n from cards where type = 'complaint'");
  if (ccs === 0 && cards.types.get('complaint')) {
    const items = texts.complaints;
    for (const [i, [title, channel, severity, details]] of items.entries()) {
      const author = i % 2 ? olga : oscar;
      const card = await cards.create(author, 'complaint', {
        title,
        customer: CUSTOMERS[i % CUSTOMERS.length],
        channel,
        severity,
        details,
        assignee: String((i % 3 ? olga : oscar).id),
        received_at: new Date(Date.now() - (i + 1) * 3_600_000).toISOString().slice(0, 16),
      });
      made++;
      if (i < 3) await cards.transition(author, 'complaint', card.id, 'start');
      if (i === 0) await cards.transition(author, 'complaint', card.id, 'resolve', { resolution: texts.resolution });
    }
  }
  return made ? `${made} demo card(s)` : null;
}
