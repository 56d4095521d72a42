import type { Route } from '../router.ts';

export function AudiencesPage(_: { route: Route }) {
  return <h1 tabIndex={-1}>Audiences</h1>;
}
