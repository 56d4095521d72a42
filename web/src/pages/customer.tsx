import type { Route } from '../router.ts';

export function CustomerPage({ id }: { id: string | undefined; route: Route }) {
  return <h1 tabIndex={-1}>Customer {id ?? ''}</h1>;
}
