// Reads the forms and links of a rendered page the way a browser would send
// them: each form's action, method and fields with their current values, and
// the query parameter names that links and GET forms use per path. Enough
// HTML for Orbis's own templates (no script-built forms).

export interface PageForm {
  action: string;
  method: 'GET' | 'POST';
  fields: Array<[string, string]>;
}

function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? decode(m[1]) : null;
}

function decode(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every form of `html` (an empty action posts to `pagePath`). */
export function pageForms(html: string, pagePath: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, head, body] = m;
    const fields: Array<[string, string]> = [];
    for (const [tag] of body.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(tag, 'name');
      const type = (attr(tag, 'type') ?? 'text').toLowerCase();
      if (!name || type === 'file' || type === 'submit') continue;
      if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/i.test(tag)) continue;
      fields.push([name, attr(tag, 'value') ?? (type === 'checkbox' ? 'on' : '')]);
    }
    for (const [, tag, inner] of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const name = attr(tag, 'name');
      if (!name) continue;
      const options = [...inner.matchAll(/<option\b([^>]*)>([^<]*)/gi)].map(([, o, label]) => ({
        value: attr(o, 'value') ?? decode(label.trim()),
        selected: /\sselected\b/i.test(o),
      }));
      const chosen = options.find((o) => o.selected) ?? options.find((o) => o.value !== '') ?? options[0];
      fields.push([name, chosen?.value ?? '']);
    }
    for (const [, tag, inner] of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = attr(tag, 'name');
      if (name) fields.push([name, decode(inner)]);
    }
    const action = attr(head, 'action') || pagePath;
    forms.push({
      action: new URL(action, 'http://x' + pagePath).pathname,
      method: (attr(head, 'method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
      fields,
    });
  }
  return forms;
}

/** Path → query parameter names seen in the page's links. */
export function linkQueries(html: string, pagePath: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [, href] of html.matchAll(/\shref="([^"#]*\?[^"#]*)"/gi)) {
    const url = new URL(decode(href), 'http://x' + pagePath);
    if (url.host !== 'x') continue;
    const names = out.get(url.pathname) ?? new Set<string>();
    for (const k of url.searchParams.keys()) names.add(k);
    out.set(url.pathname, names);
  }
  return out;
}
