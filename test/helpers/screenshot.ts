/** Render an HTML file to PNG with Debian's headless Chromium (false when it is not installed). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function screenshot(htmlPath: string, pngPath: string, opts: { width?: number; height?: number } = {}): boolean {
  const bin = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((b) => existsSync(b));
  if (!bin) return false;
  const profile = mkdtempSync(join(tmpdir(), 'segmint-chromium-'));
  try {
    execFileSync(bin, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--hide-scrollbars',
      `--window-size=${opts.width ?? 1280},${opts.height ?? 3000}`, `--screenshot=${pngPath}`, `file://${htmlPath}`,
    ], { stdio: 'ignore', timeout: 60000 });
    return existsSync(pngPath);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
