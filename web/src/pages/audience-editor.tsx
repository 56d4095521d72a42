import type { Route } from '../router.ts';

export function AudienceEditorPage({ name }: { name: string; route: Route }) {
  return <h1 tabIndex={-1}>Audience {name}</h1>;
}
