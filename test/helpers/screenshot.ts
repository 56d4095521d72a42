/**
 * Render an HTML file to PNG with headless Chromium (Debian's `chromium` package), to look at the report's
 * charts as pictures. Resolves to false when no Chromium is installed (tests then skip the picture), or when
 * it fails to write the PNG.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/snap/bin/chromium'];

/** The Chromium binary: $CHROMIUM when set, else the first of the usual paths that exists. */
export function chromiumPath(): string | undefined {
  const env = process.env.CHROMIUM;
  if (env && existsSync(env)) return env;
  return CANDIDATES.find((b) => existsSync(b));
}

export async function screenshot(htmlPath: string, pngPath: string, opts: { width?: number; height?: number } = {}): Promise<boolean> {
  const bin = chromiumPath();
  if (!bin) return false;
  const out = resolve(pngPath);
  rmSync(out, { force: true });
  const profile = mkdtempSync(join(tmpdir(), 'segmint-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`,
    `--window-size=${opts.width ?? 1280},${opts.height ?? 3000}`, `--screenshot=${out}`, pathToFileURL(resolve(htmlPath)).href,
  ];
  try {
    await new Promise<void>((done) => {
      execFile(bin, args, { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, () => done());
    });
    return existsSync(out) && statSync(out).size > 0;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
