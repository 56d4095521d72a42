// Hash routes (#/value, #/audiences/lapsed, #/customers/12347?x=1): the server serves one page; the part
// after # never reaches it, so a link to any view works without server-side routing.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** the path's parts: ['audiences', 'lapsed'] */
  parts: string[];
  /** the query after ? in the hash */
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const [path = '', q = ''] = h.split('?', 2);
  return { parts: path.split('/').filter(Boolean).map((p) => decodeURIComponent(p)), query: new URLSearchParams(q) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** The address of a view: href('customers', id) → '#/customers/<id>'; with a query object appended. */
export function href(...parts: (string | number | Record<string, string | number | undefined>)[]): string {
  const q = parts.at(-1);
  const query = q !== undefined && typeof q === 'object' ? (parts.pop() as Record<string, string | number | undefined>) : undefined;
  const path = (parts as (string | number)[]).map((p) => encodeURIComponent(String(p))).join('/');
  const s = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString() : '';
  return `#/${path}${s ? `?${s}` : ''}`;
}

export const navigate = (to: string): void => {
  location.hash = to.replace(/^#/, '');
};
