#!/usr/bin/env node
// Creates or updates the one sticky comment with the A/B table on a pull request; called by
// .github/workflows/bench-comment.yml, which runs from the default branch with a write token.
// Its inputs come from an artifact that the pull request's own code wrote, so they are data
// only: the pull request number must be digits, and that pull request's head must be the
// commit the benchmark run was for (so an artifact cannot steer the comment to another pull
// request). Plain Node, no dependencies: the job that runs it installs nothing.
//
//   node scripts/bench-comment.mjs --repo OWNER/NAME --pr-file FILE --head-sha SHA --body FILE
//
// Environment: GITHUB_TOKEN; GITHUB_API_URL (set by Actions; default https://api.github.com).
// Exit codes: 0 comment created or updated, 1 refused or the API failed, 2 bad options.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Marks the comment this script owns; the first line of its body. */
const MARKER = '<!-- pbts-bench-ab -->';

// GitHub refuses comment bodies over 65,536 characters.
const MAX_BODY = 60_000;

async function api(base, token, method, route, body) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'x-github-api-version': '2022-11-28',
      ...(body && { 'content-type': 'application/json' }),
    },
    body: body && JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** The comment body: the marker, then the table, cut short of GitHub's limit. */
function commentBody(markdown) {
  const text = markdown.length > MAX_BODY ? `${markdown.slice(0, MAX_BODY)}\n\n(cut: the whole table is in the job summary)` : markdown;
  return `${MARKER}\n${text}`;
}

/** Updates this script's earlier comment on the pull request, or creates one; returns what it did. */
async function upsertComment({ base, token, repo, pr, headSha, markdown }) {
  const pull = await api(base, token, 'GET', `/repos/${repo}/pulls/${pr}`);
  if (pull.head?.sha !== headSha) {
    throw new Error(`pull request #${pr} has head ${pull.head?.sha}, not the benchmarked ${headSha}: not commenting`);
  }
  const body = commentBody(markdown);
  for (let page = 1; ; page++) {
    const comments = await api(base, token, 'GET', `/repos/${repo}/issues/${pr}/comments?per_page=100&page=${page}`);
    const own = comments.find((c) => c.user?.type === 'Bot' && typeof c.body === 'string' && c.body.startsWith(MARKER));
    if (own) {
      await api(base, token, 'PATCH', `/repos/${repo}/issues/comments/${own.id}`, { body });
      return `updated comment ${own.id} on #${pr}`;
    }
    if (comments.length < 100) break;
  }
  const created = await api(base, token, 'POST', `/repos/${repo}/issues/${pr}/comments`, { body });
  return `created comment ${created.id} on #${pr}`;
}

async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { repo: { type: 'string' }, 'pr-file': { type: 'string' }, 'head-sha': { type: 'string' }, body: { type: 'string' } },
    }));
    for (const name of ['repo', 'pr-file', 'head-sha', 'body']) if (!values[name]) throw new Error(`--${name} is required`);
    if (!/^[\w.-]+\/[\w.-]+$/.test(values.repo)) throw new Error(`--repo must be OWNER/NAME, got '${values.repo}'`);
    if (!/^[0-9a-f]{40}$/.test(values['head-sha'])) throw new Error(`--head-sha must be a full commit hash, got '${values['head-sha']}'`);
    if (!process.env.GITHUB_TOKEN) throw new Error('GITHUB_TOKEN is not set');
  } catch (err) {
    console.error(`bench-comment: ${err.message}`);
    return 2;
  }
  try {
    const pr = readFileSync(values['pr-file'], 'utf8').trim();
    if (!/^[1-9][0-9]{0,9}$/.test(pr)) throw new Error(`the pull request number in ${values['pr-file']} is not a number: '${pr.slice(0, 40)}'`);
    const done = await upsertComment({
      base: (process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/$/, ''),
      token: process.env.GITHUB_TOKEN,
      repo: values.repo,
      pr,
      headSha: values['head-sha'],
      markdown: readFileSync(values.body, 'utf8'),
    });
    console.log(`bench-comment: ${done}`);
    return 0;
  } catch (err) {
    console.error(`bench-comment: ${err.message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
