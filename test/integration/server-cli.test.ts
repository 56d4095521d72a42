// segmint token create|list|revoke and segmint serve as a process: tokens stored hashed (the secret never in
// the file), a revoked token refused, the server answering on loopback and stopping on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { withTempDir } from '../helpers/workspace.ts';
import { tokensFile, TokenStore } from '../../src/store/tokens.ts';

test('token create, list and revoke: hashed in the workspace, shown once, refused after revoke', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'shop');
    assert.equal((await runCli(['init', ws])).code, 0);
    const c = await runCli(['token', 'create', '--role', 'analyst', '--name', 'crm sync', '--workspace', ws, '--json']);
    assert.equal(c.code, 0, c.err);
    const t = JSON.parse(c.out) as { id: string; token: string; role: string; name: string };
    assert.equal(t.role, 'analyst');
    assert.match(t.token, /^sgm_[A-Za-z0-9_-]{43}$/);
    const file = readFileSync(tokensFile(ws), 'utf8');
    assert.equal(file.includes(t.token.slice(4)), false, 'the secret is not stored');
    const digest = createHash('sha256').update(Buffer.from(t.token.slice(4), 'base64url')).digest('hex');
    assert.ok(file.includes(digest), 'the SHA-256 of the 32 random bytes is');
    assert.equal(statSync(tokensFile(ws)).mode & 0o777, 0o600);
    const store = new TokenStore(ws);
    assert.equal(store.verify(t.token)?.role, 'analyst');
    assert.equal(store.verify(`${t.token.slice(0, -1)}${t.token.endsWith('A') ? 'B' : 'A'}`), undefined);
    const list = await runCli(['token', 'list', '--workspace', ws, '--json']);
    assert.deepEqual((JSON.parse(list.out) as { id: string; name: string }[]).map((x) => [x.id, x.name]), [[t.id, 'crm sync']]);
    assert.equal((await runCli(['token', 'revoke', t.id, '--workspace', ws])).code, 0);
    assert.equal(store.verify(t.token), undefined);
    const again = await runCli(['token', 'revoke', t.id, '--workspace', ws, '--json']);
    assert.equal(again.code, 2);
    assert.match(again.out + again.err, /unknown-token/);
    const bad = await runCli(['token', 'create', '--role', 'root', '--name', 'x', '--workspace', ws]);
    assert.equal(bad.code, 2);
    const noWs = await runCli(['token', 'list', '--workspace', join(dir, 'nowhere')]);
    assert.equal(noWs.code, 2);
  });
});

test('segmint serve: listens on loopback, /health without a token, 401 without one elsewhere, stops on SIGTERM', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'shop');
    assert.equal((await runCli(['init', ws])).code, 0);
    const token = (JSON.parse((await runCli(['token', 'create', '--role', 'viewer', '--name', 'me', '--workspace', ws, '--json'])).out) as { token: string }).token;
    // without UV_THREADPOOL_SIZE in its environment (the test runner sets it): the launcher sets it
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/segmint.js'), 'serve', '--workspace', ws, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'], env });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let err = '';
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          const m = /segmint serve: (http:\/\/\S+)/.exec(err);
          if (m) ok(m[1]!);
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}: ${err}`)));
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${url}/health`)).status, 200);
      const r401 = await fetch(`${url}/workspace`);
      assert.equal(r401.status, 401);
      assert.equal(((await r401.json()) as { code: string }).code, 'unauthorized');
      const ok = await fetch(`${url}/workspace`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { counts: { customers: number } }).counts.customers, 0);
      // libuv's pool of 64 threads (bin/segmint.js), not the default 4: DuckDB's queries run as its tasks
      const threads = readdirSync(`/proc/${child.pid}/task`).length;
      assert.ok(threads >= 64, `segmint serve runs ${threads} threads: the thread pool is not the launcher's 64`);
      const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(`code ${code}, signal ${signal}`)));
      child.kill('SIGTERM');
      assert.equal(await exited, 'code 0, signal null');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

test('segmint serve --open-as analyst: prints a studio link whose token works while the server runs, is never stored, and is refused by the next run', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'shop');
    assert.equal((await runCli(['init', ws])).code, 0);
    const start = async () => {
      const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/segmint.js'), 'serve', '--workspace', ws, '--port', '0', '--open-as', 'analyst'], { stdio: ['ignore', 'ignore', 'pipe'] });
      const link = await new Promise<string>((ok, fail) => {
        let err = '';
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          const m = /Studio: (http:\/\/\S+)/.exec(err);
          if (m) ok(m[1]!);
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}: ${err}`)));
      });
      const stop = async () => {
        const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(`code ${code}, signal ${signal}`)));
        child.kill('SIGTERM');
        assert.equal(await exited, 'code 0, signal null');
      };
      return { link, stop };
    };
    const first = await start();
    const m = /^(http:\/\/127\.0\.0\.1:\d+)\/studio\/#token=(sgm_[A-Za-z0-9_-]{43})$/.exec(first.link);
    assert.ok(m, first.link);
    const [, base, token] = m;
    assert.equal((await fetch(`${base}/studio/`)).status, 200);
    assert.equal((await fetch(`${base}/workspace`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    // analyst: may run jobs' routes' checks, not admin ones
    assert.equal((await fetch(`${base}/webhooks`, { headers: { authorization: `Bearer ${token}` } })).status, 403);
    assert.equal(existsSync(join(ws, 'server', 'tokens.json')) ? readFileSync(join(ws, 'server', 'tokens.json'), 'utf8').includes(token!.slice(4, 20)) : false, false);
    await first.stop();
    const second = await start();
    const base2 = /^(http:\/\/[^/]+)/.exec(second.link)![1]!;
    assert.equal((await fetch(`${base2}/workspace`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    await second.stop();
    assert.equal((await runCli(['serve', '--workspace', ws, '--open-as', 'owner'])).code, 2);
  });
});
