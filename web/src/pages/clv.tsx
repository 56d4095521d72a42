import type { Route } from '../router.ts';

export function ClvPage(_: { route: Route }) {
  return <h1 tabIndex={-1}>Customer lifetime value</h1>;
}
