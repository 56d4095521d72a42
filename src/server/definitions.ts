/**
 * Audience definitions kept as files in the workspace: `<workspace>/audiences/<name>.yaml`, one audience per
 * file in the format `segmint audience eval FILE` reads (docs/audiences.md). The file name is the audience's
 * name, which must match NAME_PATTERN (letters, digits, - and _), so a name never reaches another folder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatAudienceFile, parseAudienceFile } from '../segments/file.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { ApiError } from './errors.ts';
import { NAME_PATTERN } from './schemas.ts';

export interface AudienceFile {
  name: string;
  description?: string;
  where: string;
  updatedAt: string;
}

const NAME_RE = new RegExp(NAME_PATTERN);
/** The most audience files a workspace keeps (each rule may refer to the others). */
export const MAX_AUDIENCES = 1000;

export class AudienceDefinitions {
  readonly dir: string;
  constructor(workspaceDir: string) {
    this.dir = join(workspaceDir, 'audiences');
  }

  private path(name: string): string {
    if (!NAME_RE.test(name)) throw new ApiError(400, 'invalid-name', `audience name ${JSON.stringify(name.slice(0, 80))}: expected a letter then up to 63 letters, digits, - or _`);
    return join(this.dir, `${name}.yaml`);
  }

  list(): AudienceFile[] {
    if (!existsSync(this.dir)) return [];
    const out: AudienceFile[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      const m = /^(.+)\.yaml$/.exec(f);
      if (!m || !NAME_RE.test(m[1]!)) continue;
      const a = this.read(m[1]!);
      if (a) out.push(a);
    }
    return out;
  }

  /** The definition, or undefined when there is none (a file that cannot be read counts as none). */
  read(name: string): AudienceFile | undefined {
    const p = this.path(name);
    if (!existsSync(p)) return undefined;
    try {
      const pack = parseAudienceFile(readFileSync(p, 'utf8'), `audiences/${name}.yaml`);
      const a = pack.audiences.find((x) => x.name === name) ?? pack.audiences[0];
      if (!a) return undefined;
      return { name, ...(a.description ? { description: a.description } : {}), where: a.where, updatedAt: statSync(p).mtime.toISOString() };
    } catch {
      return undefined;
    }
  }

  get(name: string): AudienceFile {
    const a = this.read(name);
    if (!a) throw new ApiError(404, 'not-found', `no audience ${JSON.stringify(name)}`, { hint: 'list audiences with GET /audiences, create one with PUT /audiences/{name}' });
    return a;
  }

  /** name → rule text of every definition (what a rule may refer to). */
  texts(): Record<string, string> {
    return Object.fromEntries(this.list().map((a) => [a.name, a.where]));
  }

  /** Write (create or replace) a definition; true when it was new. */
  write(name: string, where: string, description?: string): boolean {
    const p = this.path(name);
    const created = !existsSync(p);
    if (created && this.list().length >= MAX_AUDIENCES) throw new ApiError(409, 'too-many-audiences', `the workspace already has ${MAX_AUDIENCES} audiences`, { hint: 'delete audiences no longer used' });
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(p, formatAudienceFile({ name, audiences: [{ name, where, ...(description ? { description } : {}) }] }));
    return created;
  }

  remove(name: string): void {
    const p = this.path(name);
    if (!existsSync(p)) throw new ApiError(404, 'not-found', `no audience ${JSON.stringify(name)}`);
    rmSync(p);
  }
}
