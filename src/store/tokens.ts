/**
 * API tokens of a workspace's server (`segmint token create|list|revoke`, `segmint serve`). A token is
 * `sgm_` + 32 random bytes in base64url; only the SHA-256 of those bytes is kept, in
 * `<workspace>/server/tokens.json` (mode 0600), with an id, a name, a role and the creation time.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { writeFileAtomic } from './atomic-write.ts';

export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `have` may do what `need` may: viewer < analyst < admin. */
export const roleAllows = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
}

interface StoredToken extends TokenInfo {
  /** hex SHA-256 of the token's 32 random bytes */
  sha256: string;
}

/** The folder of a workspace that holds the server's files (tokens, audience definitions, labels, jobs …). */
export const serverDir = (workspaceDir: string): string => join(workspaceDir, 'server');
export const tokensFile = (workspaceDir: string): string => join(serverDir(workspaceDir), 'tokens.json');

const TOKEN_RE = /^sgm_([A-Za-z0-9_-]{43})$/;
const NAME_RE = /^[\p{L}\p{N} ._@-]{1,64}$/u;

export function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new SegmintError('invalid-option', `--role ${role}: expected one of ${ROLES.join(', ')}`, { hint: 'viewer reads; analyst also runs jobs and edits audiences and labels; admin also manages tokens, sources, webhooks and schedules' });
  }
  return role as Role;
}

/** The SHA-256 (hex) of a presented token's random bytes, or undefined when it is not shaped like a token. */
export function tokenDigest(token: string): string | undefined {
  const m = TOKEN_RE.exec(token);
  if (!m) return undefined;
  const bytes = Buffer.from(m[1]!, 'base64url');
  // only the one spelling the token was issued with: the 43rd character's last two bits are padding, and a
  // decoder ignores them, so another character there would name the same 32 bytes
  if (bytes.length !== 32 || bytes.toString('base64url') !== m[1]) return undefined;
  return createHash('sha256').update(bytes).digest('hex');
}

/** The tokens of one workspace, read from its file (again whenever the file changes). */
export class TokenStore {
  private cache: { mtimeMs: number; size: number; tokens: StoredToken[] } | undefined;
  /** tokens of this process only (segmint serve --open-as): never written, gone when it stops */
  private readonly sessions = new Map<string, TokenInfo>();

  constructor(readonly workspaceDir: string) {}

  private read(): StoredToken[] {
    const file = tokensFile(this.workspaceDir);
    if (!existsSync(file)) {
      this.cache = undefined;
      return [];
    }
    const st = statSync(file);
    if (this.cache && this.cache.mtimeMs === st.mtimeMs && this.cache.size === st.size) return this.cache.tokens;
    let tokens: StoredToken[];
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as { tokens?: unknown };
      if (!Array.isArray(v.tokens)) throw new Error('no "tokens" list');
      tokens = (v.tokens as StoredToken[]).filter((t) => typeof t.sha256 === 'string' && (ROLES as readonly string[]).includes(t.role));
    } catch (e) {
      throw new SegmintError('tokens-unreadable', `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { hint: 'restore the file, or remove it and create tokens again', exitCode: 1 });
    }
    this.cache = { mtimeMs: st.mtimeMs, size: st.size, tokens };
    return tokens;
  }

  private write(tokens: StoredToken[]): void {
    mkdirSync(serverDir(this.workspaceDir), { recursive: true, mode: 0o700 });
    writeFileAtomic(tokensFile(this.workspaceDir), `${JSON.stringify({ tokens }, null, 2)}\n`, 0o600);
    this.cache = undefined;
  }

  list(): TokenInfo[] {
    return this.read().map(({ id, name, role, createdAt }) => ({ id, name, role, createdAt }));
  }

  /** Create a token; the secret is returned once and never stored. */
  create(name: string, role: Role): TokenInfo & { token: string } {
    if (!NAME_RE.test(name)) throw new SegmintError('invalid-option', `--name ${JSON.stringify(name)}: expected 1 to 64 letters, digits, spaces or . _ @ -`, { hint: 'e.g. --name crm-sync' });
    const tokens = this.read();
    const bytes = randomBytes(32);
    let id: string;
    do id = randomBytes(4).toString('hex'); while (tokens.some((t) => t.id === id));
    const info: TokenInfo = { id, name, role: checkRole(role), createdAt: new Date().toISOString().slice(0, 19) + 'Z' };
    this.write([...tokens, { ...info, sha256: createHash('sha256').update(bytes).digest('hex') }]);
    return { ...info, token: `sgm_${bytes.toString('base64url')}` };
  }

  /** A token valid while this process runs: kept in memory only, never in tokens.json. */
  session(name: string, role: Role): TokenInfo & { token: string } {
    const bytes = randomBytes(32);
    const info: TokenInfo = { id: `session-${randomBytes(4).toString('hex')}`, name, role: checkRole(role), createdAt: new Date().toISOString().slice(0, 19) + 'Z' };
    this.sessions.set(createHash('sha256').update(bytes).digest('hex'), info);
    return { ...info, token: `sgm_${bytes.toString('base64url')}` };
  }

  revoke(id: string): TokenInfo {
    const tokens = this.read();
    const t = tokens.find((x) => x.id === id);
    if (!t) throw new SegmintError('unknown-token', `no token with id ${JSON.stringify(id)}`, { hint: 'list tokens with segmint token list' });
    this.write(tokens.filter((x) => x !== t));
    return { id: t.id, name: t.name, role: t.role, createdAt: t.createdAt };
  }

  /** The token a bearer string stands for, or undefined. */
  verify(token: string): TokenInfo | undefined {
    const digest = tokenDigest(token);
    if (!digest) return undefined;
    const session = this.sessions.get(digest);
    if (session) return { ...session };
    const t = this.read().find((x) => x.sha256 === digest);
    return t && { id: t.id, name: t.name, role: t.role, createdAt: t.createdAt };
  }
}
