// Demo cards for the shipped card types: a few of each, in several stages,
// created through the card service (so they get numbers, SLAs and history
// like any other). Loaded only when a type has no card yet.
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';

const SUPPLIERS = ['Nordwind Office GmbH', 'Bytecraft Ltd', 'Atlas Travel', 'Kettle & Co', 'Lumen Displays'];
const CUSTOMERS = ['Hanna Schulz', 'Marco Rossi', 'Aiko Tanaka', 'Priya Raman', 'Tom Becker', 'Lucía García'];

export async function loadDemoCards(ctx: AppContext): Promise<string | null> {
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
    const items = [
      ['Laptops for the new support team', 'it', 8400, 6, 'IT-210'],
      ['Printer toner, second floor', 'office', 320.5, 12, 'OF-101'],
      ['Trade fair travel, Hannover', 'travel', 2150, 3, 'SA-330'],
      ['Ergonomic chairs', 'office', 2799, 7, 'OF-101'],
      ['Monitor arms', 'it', 540, 10, 'IT-210'],
      ['External audit support', 'services', 12000, 1, 'FI-400'],
    ] as const;
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
        description: `Requested by ${author.displayName}.`,
      });
      made++;
      if (i < 4) await cards.transition(author, 'purchase_request', card.id, 'submit');
      if (i < 2) await cards.transition(maria, 'purchase_request', card.id, 'approve');
      if (i === 0) await cards.transition(maria, 'purchase_request', card.id, 'order');
    }
  }

  const [{ n: ccs }] = await ctx.db.rows<{ n: number }>("select count(*)::int as n from cards where type = 'complaint'");
  if (ccs === 0 && cards.types.get('complaint')) {
    const items = [
      ['Parcel arrived damaged', 'phone', 'high', 'The box was crushed and the screen is cracked.'],
      ['Wrong colour delivered', 'email', 'low', 'Ordered blue, received green.'],
      ['Invoice charged twice', 'web', 'medium', 'Two identical charges on the card statement.'],
      ['Rude staff at the counter', 'store', 'medium', 'Customer felt ignored for 20 minutes.'],
      ['Late delivery, missed event', 'email', 'high', 'Delivery came three days after the promised date.'],
    ] as const;
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
      if (i === 0) await cards.transition(author, 'complaint', card.id, 'resolve', { resolution: 'Replacement sent with express shipping.' });
    }
  }
  return made ? `${made} demo card(s)` : null;
}
