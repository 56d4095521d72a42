import type { Route } from '../router.ts';

export function ClustersPage(_: { route: Route }) {
  return <h1 tabIndex={-1}>Clusters</h1>;
}
