// The studio's frame: sign-in with a token, the navigation between pages (landmarks, a skip link, the
// current page marked), and the page the address names.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, getToken, onUnauthorized, setToken, signOut } from './api.ts';
import { useRoute, href } from './router.ts';
import { SessionContext, useLoadMe } from './session.ts';
import { focusableScrollers } from './scrollers.ts';
import { OverviewPage } from './pages/overview.tsx';
import { ValuePage } from './pages/value.tsx';
import { ClustersPage } from './pages/clusters.tsx';
import { ClvPage } from './pages/clv.tsx';
import { AudiencesPage } from './pages/audiences.tsx';
import { AudienceEditorPage } from './pages/audience-editor.tsx';
import { CustomerPage } from './pages/customer.tsx';

const PAGES = [
  { id: 'overview', label: 'Overview' },
  { id: 'value', label: 'Value' },
  { id: 'clusters', label: 'Clusters' },
  { id: 'clv', label: 'CLV' },
  { id: 'audiences', label: 'Audiences' },
  { id: 'customers', label: 'Customer' },
] as const;

export function App() {
  const [signedIn, setSignedIn] = useState(() => getToken() !== null);
  useEffect(() => onUnauthorized(() => setSignedIn(false)), []);
  if (!signedIn) return <SignIn onDone={() => setSignedIn(true)} />;
  return <Shell onSignOut={() => { signOut(); setSignedIn(false); }} />;
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const page = route.parts[0] ?? 'overview';
  // who is signed in (GET /me, once): shown in the header; the pages disable what the role cannot do
  const me = useLoadMe();
  useEffect(() => focusableScrollers(document.getElementById('main')!), []);
  const first = useRef(true);
  useEffect(() => {
    const label = PAGES.find((p) => p.id === page)?.label ?? 'Not found';
    document.title = `${label} · Segmint Studio`;
    // going to another page moves the focus to its heading, so a screen reader announces it; the first page
    // of a visit keeps the focus at the top, where the skip link is the first stop of the keyboard
    if (first.current) first.current = false;
    else document.querySelector<HTMLElement>('main h1')?.focus();
  }, [page, route.parts[1]]);
  return (
    <SessionContext.Provider value={me}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="top">
        <span class="brand">Segmint Studio</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}><a href={href(p.id)} aria-current={page === p.id ? 'page' : undefined}>{p.label}</a></li>
            ))}
          </ul>
        </nav>
        {me && <span class="who">signed in as {me.name} ({me.role})</span>}
        <button type="button" class="link" onClick={onSignOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        <PageFor page={page} route={route} />
      </main>
    </SessionContext.Provider>
  );
}

function PageFor({ page, route }: { page: string; route: ReturnType<typeof useRoute> }) {
  switch (page) {
    case 'overview': return <OverviewPage />;
    case 'value': return <ValuePage route={route} />;
    case 'clusters': return <ClustersPage route={route} />;
    case 'clv': return <ClvPage route={route} />;
    case 'audiences': return route.parts[1] ? <AudienceEditorPage name={route.parts[1]} route={route} /> : <AudiencesPage route={route} />;
    case 'customers': return <CustomerPage id={route.parts[1]} route={route} />;
    default: return <><h1 tabIndex={-1}>Not found</h1><p>No page “{page}”. <a href={href('overview')}>Go to the overview</a>.</p></>;
  }
}

function SignIn({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setToken(value.trim());
    try {
      await get('/workspace');
      onDone();
    } catch (err) {
      signOut();
      setError(err instanceof ApiError ? `${err.message}${err.hint ? ` — ${err.hint}` : ''}` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Segmint Studio</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" type="password" autoComplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} aria-describedby="token-help" required />
        <p id="token-help" class="hint">Create one with <code>segmint token create --role analyst --name me</code> in the workspace, or open the address <code>segmint serve</code> printed.</p>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
