/** Run the CLI in process with captured output. */
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/render.ts';

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), interactive: false };
  const code = await main(args, io);
  return { code, out, err };
}
