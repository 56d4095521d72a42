import type { Route } from '../router.ts';

export function ValuePage(_: { route: Route }) {
  return <h1 tabIndex={-1}>Value</h1>;
}
