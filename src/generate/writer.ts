/**
 * Buffered CSV writing with stream backpressure. Text is encoded straight into a 1 MB buffer that is
 * handed to the file stream when full; `maybeFlush` returns a promise when the stream wants the writer to
 * wait ('drain'), so memory stays flat whatever the row count. The generator appends each customer's rows
 * as one string, so the many small row strings die young (cheap for the garbage collector).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { SegmintError } from '../core/errors.ts';

const CHUNK = 1 << 20;

export class CsvWriter {
  /** data rows written (the header not counted); the caller counts as it appends */
  rows = 0;
  private readonly stream: WriteStream;
  private buf = Buffer.allocUnsafe(CHUNK);
  private offset = 0;
  private pending: Buffer[] = [];
  private error: Error | undefined;

  constructor(readonly path: string, header: readonly string[]) {
    this.stream = createWriteStream(path, { highWaterMark: 4 * CHUNK });
    this.stream.on('error', (e) => (this.error ??= e));
    this.add(`${header.join(',')}\n`);
  }

  /** Append text (whole lines, each ending in "\n"). */
  add(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit
    if (this.offset + 3 * text.length > CHUNK) {
      this.seal();
      if (3 * text.length > CHUNK) {
        this.pending.push(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.offset += this.buf.write(text, this.offset, 'utf8');
  }

  /** Hand full chunks to the stream; a returned promise resolves when the stream can take more. */
  maybeFlush(): Promise<void> | undefined {
    return this.pending.length > 0 ? this.flush() : undefined;
  }

  /** Hand everything buffered to the stream. */
  flush(): Promise<void> | undefined {
    this.check();
    this.seal();
    let ok = true;
    for (const b of this.pending) ok = this.stream.write(b);
    this.pending = [];
    if (ok) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
    });
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve) => this.stream.end(() => resolve()));
    this.check();
  }

  /** Stop the stream without waiting (after an error elsewhere). */
  destroy(): void {
    this.stream.destroy();
  }

  private seal(): void {
    if (this.offset === 0) return;
    this.pending.push(this.buf.subarray(0, this.offset));
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.offset = 0;
  }

  private check(): void {
    if (this.error) {
      throw new SegmintError('write-failed', `could not write ${this.path}: ${this.error.message}`, {
        hint: 'check that the --out folder is writable and the disk has space',
        exitCode: 1,
        cause: this.error,
      });
    }
  }
}
