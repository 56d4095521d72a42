// The studio's only way to the data: the HTTP API of `segmint serve` on the same origin, with the bearer
// token the user signed in with (kept for the browser tab in sessionStorage; a `#token=` in the address
// is taken once and removed from it, so a link can sign in without the token reaching the server's logs).

const KEY = 'segmint-token';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly hint?: string, readonly details?: unknown) {
    super(message);
  }
}

export function takeTokenFromAddress(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]!));
  const rest = location.hash.replace(/(^#|&)token=[^&]+/, '$1').replace(/^#&/, '#');
  history.replaceState(null, '', rest === '#' || rest === '' ? '#/overview' : rest);
}

export const getToken = (): string | null => sessionStorage.getItem(KEY);
export const setToken = (t: string): void => sessionStorage.setItem(KEY, t);
export const signOut = (): void => sessionStorage.removeItem(KEY);

/** Listeners told when the server refuses the token (the app shows the sign-in form). */
const unauthorized = new Set<() => void>();
export const onUnauthorized = (f: () => void): (() => void) => {
  unauthorized.add(f);
  return () => unauthorized.delete(f);
};

export type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

export function qs(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function request(method: string, path: string, init: { query?: Query; body?: unknown; raw?: BodyInit; contentType?: string; signal?: AbortSignal } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (init.raw !== undefined) {
    body = init.raw;
    headers['content-type'] = init.contentType ?? 'application/octet-stream';
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${path}${qs(init.query)}`, { method, headers, body, signal: init.signal });
  if (!res.ok) {
    let e: { code?: string; message?: string; hint?: string; details?: unknown; diagnostics?: unknown } = {};
    try {
      e = (await res.json()) as typeof e;
    } catch {
      /* not JSON */
    }
    if (res.status === 401) for (const f of unauthorized) f();
    throw new ApiError(res.status, e.code ?? `http-${res.status}`, e.message ?? res.statusText, e.hint, e.details ?? e.diagnostics);
  }
  return res;
}

export async function get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  return (await (await request('GET', path, { query, signal })).json()) as T;
}
export async function send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, query?: Query): Promise<T> {
  const res = await request(method, path, { body, query });
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
export async function upload<T>(path: string, file: Blob, query: Query): Promise<T> {
  return (await (await request('POST', path, { raw: file, query, contentType: file.type || 'application/octet-stream' })).json()) as T;
}
/** A download through the token: fetched, then handed to the browser as a file. */
export async function download(path: string, query: Query, fileName: string): Promise<void> {
  const res = await request('GET', path, { query });
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface Job {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  progress?: { message?: string; fraction?: number };
  result?: unknown;
  error?: { code?: string; message?: string; hint?: string };
}

/** Follows a job until it ends, reporting its progress; resolves with the finished job (failed ones too). */
export async function waitJob(id: string, onProgress?: (j: Job) => void, signal?: AbortSignal): Promise<Job> {
  for (let wait = 200; ; wait = Math.min(wait * 1.5, 1000)) {
    const j = await get<Job>(`/jobs/${encodeURIComponent(id)}`, undefined, signal);
    onProgress?.(j);
    if (j.status !== 'queued' && j.status !== 'running') return j;
    await new Promise((r) => setTimeout(r, wait));
  }
}
