// What the card list benchmarks share: the 100,000 purchase requests, the
// password of their users, and signing in through the login form.

export const PASSWORD = 'correct horse battery';

/**
 * 100k purchase requests as the service writes them: every declared field in
 * `data` (nulls included), the search vector over number, title and the
 * type's search fields, SLA due dates, numbers PR-000001…, and the counter.
 */
export const LOAD_CARDS = `
with s as (
  select g,
    (array['Laptops','Desk chairs','Printer toner','Conference travel','Cloud hosting','Monitors','Coffee machine','Training course','Standing desks','Phones'])[1 + g % 10] || ' for team ' || (g % 97) as title,
    (array['draft','approval','ordering','ordered','received','rejected'])[1 + (g * 7) % 6] as stage,
    (array['Bytecraft Ltd','Ergonomica Oy','Inkwise','Fly Fast','Sitwell GmbH','Northwind Traders','Acme Corp','Globex'])[1 + (g * 13) % 8] as supplier,
    round((random() * 20000)::numeric, 2) as amount,
    (array['it','office','services','travel'])[1 + (g * 3) % 4] as category,
    now() - random() * interval '365 days' as updated_at,
    'PR-' || lpad(g::text, 6, '0') as number,
    (array['IT','HR','OP','SA'])[1 + g % 4] || '-' || lpad((g % 1000)::text, 3, '0') as cost_center,
    'Requested by the ' || (array['support','sales','finance','research'])[1 + g % 4] || ' team; delivery to building ' || (g % 12) as description
  from generate_series(1, $1::int) g
)
insert into cards (type, number, title, stage, assignee_id, owner_id, due_at, version, data, search, created_at, updated_at)
select 'purchase_request', number, title, stage,
  case when g % 5 = 0 then null else ($2::bigint[])[1 + g % cardinality($2::bigint[])] end,
  ($3::bigint[])[1 + g % cardinality($3::bigint[])],
  updated_at + case stage when 'approval' then interval '2 days' when 'ordering' then interval '5 days' when 'ordered' then interval '14 days' end,
  1,
  jsonb_build_object('supplier', supplier, 'amount', amount, 'category', category, 'quantity', 1 + g % 20,
    'needed_by', case when g % 3 = 0 then to_char(updated_at + interval '30 days', 'YYYY-MM-DD') end,
    'urgent', g % 9 = 0,
    'approver', case when stage <> 'draft' then ($4::bigint[])[1 + g % cardinality($4::bigint[])] end,
    'cost_center', cost_center, 'description', description),
  to_tsvector('simple', number || ' ' || title || ' ' || supplier || ' ' || description || ' ' || cost_center),
  updated_at - interval '3 days', updated_at
from s`;

/** Signs in through the form like a browser; returns the cookie and the session's CSRF token. */
export async function signIn(base: string, email: string): Promise<{ cookie: string; csrf: string }> {
  const token = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
  const cookieOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  const form = await fetch(`${base}/login`);
  const loginCookie = cookieOf(form);
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie },
    body: new URLSearchParams({ email, password: PASSWORD, _csrf: token(await form.text()) }),
  });
  if (res.status !== 303 && res.status !== 302) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = cookieOf(res) || loginCookie;
  const page = await fetch(`${base}/cards/purchase_request/new`, { headers: { cookie } });
  return { cookie, csrf: token(await page.text()) };
}
