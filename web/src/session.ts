// Who is signed in: the token's name and role (GET /me), fetched once after sign-in and shared with every page
// through a context, so an action the role cannot do is shown disabled with the role it needs (in a title and
// a visible hint) instead of failing with the server's 403 after the click.
import { createContext, h, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { get } from './api.ts';

export type Role = 'viewer' | 'analyst' | 'admin';
export interface Me { name: string; role: Role }

const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };

export const SessionContext = createContext<Me | undefined>(undefined);

/** The shell's one request for the signed-in token (undefined until it answers, or if it fails: the server still decides). */
export function useLoadMe(): Me | undefined {
  const [me, setMe] = useState<Me>();
  useEffect(() => {
    const ctl = new AbortController();
    get<Me>('/me', undefined, ctl.signal).then(setMe, () => undefined);
    return () => ctl.abort();
  }, []);
  return me;
}

export const useMe = (): Me | undefined => useContext(SessionContext);

/** Whether the signed-in token may do what needs `need`, and if not, why in a few words. Allowed while the role is not known yet. */
export function useAllowed(need: Role): { allowed: boolean; reason: string | undefined } {
  const me = useMe();
  if (!me || RANK[me.role] >= RANK[need]) return { allowed: true, reason: undefined };
  return { allowed: false, reason: `needs the ${need} role` };
}

/** The visible note beside a disabled action: "needs the analyst role (signed in as ann, viewer)". Nothing when allowed. */
export function RoleHint({ need, id, children }: { need: Role; id?: string; children?: ComponentChildren }) {
  const me = useMe();
  const { allowed, reason } = useAllowed(need);
  if (allowed) return null;
  return h('span', { class: 'role-hint', id }, children ?? reason, me ? ` (signed in as ${me.name}, ${me.role})` : '');
}
