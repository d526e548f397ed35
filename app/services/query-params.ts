// A page's URL parameters as the list and search services read them: one
// trimmed string per name (the first of a repeated one; '' when absent or
// not text), and a page number that is a whole number from 1 to `max` (else 1).
export type ParamReader = (name: string) => string;

export function paramReader(params: Record<string, unknown>): ParamReader {
  return (name) => {
    const v = params[name];
    return (Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v : '').trim();
  };
}

export function pageNumber(value: string, max: number): number {
  const page = Number(value);
  return Number.isInteger(page) && page > 0 && page <= max ? page : 1;
}

/** A query as URL parameters ("?a=1&page=2"), with `changes` applied: empty values and page 1 left out (paging links). */
export function queryString<Q extends object>(q: Q, changes: Partial<Record<keyof Q, string | number>> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...changes })) {
    if (k === 'page' ? Number(v) > 1 : v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
