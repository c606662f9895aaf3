/**
 * The benchmark workflows (.github/workflows) and the scripts they call, run here: the workflow
 * files pass a kept validator, the sticky-comment script talks to a loopback stand-in for the
 * GitHub API, and the pull request's A/B step writes its comment, also when it fails.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** Runs a command; resolves to its exit code and output whatever the code. */
async function exec(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 60_000) {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: root, env, timeout, encoding: 'utf8' });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const failed = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pbts-workflows-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('workflow files', () => {
  // A devDependency, so CI's npm ci installs it: a missing validator fails here, never skips.
  const validator = path.join(path.dirname(createRequire(import.meta.url).resolve('@action-validator/cli/package.json')), 'cli.mjs');

  test('default', async () => {
    const files = (await readdir(path.join(root, '.github', 'workflows'))).filter((name) => name.endsWith('.yml'));
    expect(files.sort()).toEqual(['bench-baseline.yml', 'bench-comment.yml', 'bench.yml']);
    for (const name of files) {
      const { code, output } = await exec(process.execPath, [validator, path.join('.github', 'workflows', name)]);
      expect({ name, code, output: output.replace(/^WARNING: Glob validation.*\n?/gm, '') }).toEqual({ name, code: 0, output: '' });
    }
  });

  test('error: the validator refuses a broken workflow', async () => {
    const broken = path.join(dir, 'broken.yml');
    await writeFile(broken, 'name: broken\non: [push]\njobs:\n  a:\n    runs-onn: ubuntu-latest\n    steps:\n      - run: echo\n');
    const { code, output } = await exec(process.execPath, [validator, broken]);
    expect(code).toBe(1);
    expect(output).toContain("Additional property 'runs-onn' is not allowed");
  });
});

interface Recorded {
  method: string;
  url: string;
  body: unknown;
  authorization: string | undefined;
}

/** A loopback stand-in for the three GitHub routes the comment script uses. */
async function fakeGitHub(state: { headSha: string; comments: { id: number; body: string; user: { type: string } }[] }) {
  const requests: Recorded[] = [];
  const body = async (req: IncomingMessage): Promise<unknown> => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return text ? JSON.parse(text) : undefined;
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const recorded = { method: req.method ?? '', url: url.pathname + url.search, body: await body(req), authorization: req.headers.authorization };
    requests.push(recorded);
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'GET' && url.pathname === '/repos/o/r/pulls/7') return reply(200, { number: 7, head: { sha: state.headSha } });
    if (req.method === 'GET' && url.pathname === '/repos/o/r/issues/7/comments') {
      const page = Number(url.searchParams.get('page'));
      const size = Number(url.searchParams.get('per_page'));
      return reply(200, state.comments.slice((page - 1) * size, page * size));
    }
    if (req.method === 'PATCH' && url.pathname.startsWith('/repos/o/r/issues/comments/')) return reply(200, { id: Number(url.pathname.split('/').at(-1)) });
    if (req.method === 'POST' && url.pathname === '/repos/o/r/issues/7/comments') return reply(201, { id: 999 });
    reply(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('scripts/bench-comment.mjs', () => {
  const sha = 'a'.repeat(40);
  const marker = '<!-- pbts-bench-ab -->';

  async function comment(api: string, opts: { pr?: string; headSha?: string } = {}) {
    await writeFile(path.join(dir, 'pr-number'), `${opts.pr ?? '7'}\n`);
    await writeFile(path.join(dir, 'comment.md'), '**PASS: no benchmark regressed beyond +10%**\n');
    const args = ['scripts/bench-comment.mjs', '--repo', 'o/r', '--pr-file', path.join(dir, 'pr-number'), '--head-sha', opts.headSha ?? sha, '--body', path.join(dir, 'comment.md')];
    return exec(process.execPath, args, { ...process.env, GITHUB_TOKEN: 'test-token', GITHUB_API_URL: api });
  }

  test('default', async () => {
    // A person's comment quoting the marker is not the bot's.
    const api = await fakeGitHub({ headSha: sha, comments: [{ id: 1, body: `${marker} quoted`, user: { type: 'User' } }] });
    try {
      const { code, output } = await comment(api.url);
      expect(output).toContain('created comment 999 on #7');
      expect(code).toBe(0);
      const post = api.requests.find((r) => r.method === 'POST');
      expect(post).toMatchObject({ url: '/repos/o/r/issues/7/comments', authorization: 'Bearer test-token' });
      expect(post?.body).toEqual({ body: `${marker}\n**PASS: no benchmark regressed beyond +10%**\n` });
    } finally {
      await api.close();
    }
  });

  test('behavior: updates its own earlier comment, also on a later page', async () => {
    const others = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, body: 'lgtm', user: { type: 'User' } }));
    const api = await fakeGitHub({ headSha: sha, comments: [...others, { id: 555, body: `${marker}\nold table`, user: { type: 'Bot' } }] });
    try {
      const { code, output } = await comment(api.url);
      expect(output).toContain('updated comment 555 on #7');
      expect(code).toBe(0);
      expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /repos/o/r/pulls/7',
        'GET /repos/o/r/issues/7/comments?per_page=100&page=1',
        'GET /repos/o/r/issues/7/comments?per_page=100&page=2',
        'PATCH /repos/o/r/issues/comments/555',
      ]);
    } finally {
      await api.close();
    }
  });

  test('error: a pull request whose head is not the benchmarked commit gets no comment', async () => {
    const api = await fakeGitHub({ headSha: 'b'.repeat(40), comments: [] });
    try {
      const { code, output } = await comment(api.url);
      expect(code).toBe(1);
      expect(output).toContain('not the benchmarked');
      expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    } finally {
      await api.close();
    }
  });

  test('error: a pull request number that is not a number is refused before any request', async () => {
    const api = await fakeGitHub({ headSha: sha, comments: [] });
    try {
      const { code, output } = await comment(api.url, { pr: '7/../../other' });
      expect(code).toBe(1);
      expect(output).toContain('is not a number');
      expect(api.requests).toEqual([]);
    } finally {
      await api.close();
    }
  });

  test('error: bad options exit 2', async () => {
    const { code, output } = await comment('http://127.0.0.1:9', { headSha: 'not-a-sha' });
    expect(code).toBe(2);
    expect(output).toContain('--head-sha must be a full commit hash');
  });
});

describe('scripts/bench-pr.sh', () => {
  test('default', async () => {
    // One round of the pull-request suite against this very commit. One round's interval is a
    // single ratio, so noise alone may fail it: this checks the step's files, not a verdict
    // (scripts/ab-selftest.sh checks verdicts).
    const out = path.join(dir, 'bench-ab');
    const env = { ...process.env, PBTS_AB_ROUNDS: '1', PBTS_BATCH_SIZES: '10' };
    const { code, output } = await exec('bash', ['scripts/bench-pr.sh', 'HEAD', out], env, 170_000);
    expect(code, output).toBeLessThan(2);
    expect(output).toMatch(/^(PASS|FAIL): /m);
    const markdown = await readFile(path.join(out, 'comment.md'), 'utf8');
    expect(markdown).toMatch(/^\*\*(PASS|FAIL): .*\*\*$/m);
    expect(markdown).toContain('| receipts | receipts [blst] > receipt verification |');
    expect(markdown).toContain('Rerun locally: `npx pbts bench ab --base ');
    const json = JSON.parse(await readFile(path.join(out, 'ab.json'), 'utf8'));
    expect(json.runs.map((r: { side: string }) => r.side)).toEqual(['base', 'head', 'control']);
  }, 180_000);

  test('error: a failed A/B run still leaves a comment saying so', async () => {
    const out = path.join(dir, 'bench-ab');
    const env = { ...process.env, RUN_URL: 'https://example.invalid/run/1' };
    const { code } = await exec('bash', ['scripts/bench-pr.sh', 'no-such-ref-anywhere', out], env);
    expect(code).toBe(2);
    expect(await readFile(path.join(out, 'comment.md'), 'utf8')).toContain(
      'The A/B run failed (exit 2) before it could compare; its log (https://example.invalid/run/1) says why.',
    );
  });
});
