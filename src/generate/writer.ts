/**
 * Buffered CSV writing with stream backpressure. Lines are encoded straight into a 4 MB buffer that is
 * handed to the stream when full, which keeps garbage low when writing tens of millions of rows.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const CHUNK = 1 << 22;

export class CsvWriter {
  private readonly stream: WriteStream;
  private buf = Buffer.allocUnsafe(CHUNK);
  private offset = 0;
  rows = 0;

  constructor(path: string, header: readonly string[]) {
    this.stream = createWriteStream(path);
    this.offset = this.buf.write(`${header.join(',')}\n`, 0, 'utf8');
  }

  /** Add one formatted line (without the newline). Await a returned promise to honour backpressure. */
  line(text: string): Promise<void> | undefined {
    let wait: Promise<void> | undefined;
    if (this.offset + 3 * text.length + 1 > CHUNK) wait = this.flush();
    this.offset += this.buf.write(text, this.offset, 'utf8');
    this.buf[this.offset++] = 10;
    this.rows++;
    return wait;
  }

  flush(): Promise<void> | undefined {
    if (this.offset === 0) return undefined;
    const full = this.buf.subarray(0, this.offset);
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.offset = 0;
    if (this.stream.write(full)) return undefined;
    return new Promise((res) => this.stream.once('drain', () => res()));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((res, rej) => this.stream.end((e?: Error | null) => (e ? rej(e) : res())));
  }
}
