/**
 * `pbts invite create|list|revoke`: the tracker admin's invite codes, through the admin routes
 * (`POST /invites`, `GET /invites`, `DELETE /invites/<id>`). The admin token is read from
 * `PBTS_ADMIN_TOKEN` only: arguments show in `ps`.
 * @module
 */
import { parseArgs } from 'node:util';
import { type InviteAnswer, TrackerClient, TrackerRefusal } from '../client/tracker-client.ts';

export const INVITE_USAGE = `Usage: pbts invite <create|list|revoke> --tracker URL [options]   (admin token in PBTS_ADMIN_TOKEN)

  create [--expires SECONDS] [--note TEXT] [--count N]
                  new single-use invite codes (printed once: the tracker keeps only their hash)
  list            every invite with its status (unused, used, revoked, expired)
  revoke ID       revoke an unused invite`;

function describe(invite: InviteAnswer): string {
  const parts = [`invite ${invite.invite_id}`, invite.status];
  if (invite.used_by !== null) parts.push(`by ${invite.used_by} at ${invite.used_at}`);
  if (invite.expires_at !== null) parts.push(`expires ${invite.expires_at}`);
  if (invite.note !== null) parts.push(`note ${JSON.stringify(invite.note)}`);
  return parts.join(', ');
}

/** `pbts invite`. */
export async function runInvite(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tracker: { type: 'string' },
      expires: { type: 'string' },
      note: { type: 'string' },
      count: { type: 'string', default: '1' },
      help: { type: 'boolean' },
    },
  });
  const [action, id] = positionals;
  if (values.help || action === undefined) {
    console.log(INVITE_USAGE);
    return values.help ? 0 : 2;
  }
  const token = process.env.PBTS_ADMIN_TOKEN;
  if (!values.tracker || !token) {
    console.error(`--tracker and the admin token (PBTS_ADMIN_TOKEN) are required\n\n${INVITE_USAGE}`);
    return 2;
  }
  const client = new TrackerClient(values.tracker);
  try {
    switch (action) {
      case 'create': {
        const count = Number(values.count);
        const expires = values.expires === undefined ? undefined : Number(values.expires);
        if (!Number.isSafeInteger(count) || count < 1 || count > 1000) throw new Error('--count must be an integer from 1 to 1000');
        if (expires !== undefined && (!Number.isSafeInteger(expires) || expires < 1)) throw new Error('--expires must be a positive number of seconds');
        for (let i = 0; i < count; i++) {
          const invite = await client.createInvite(token, { expiresInSeconds: expires, note: values.note });
          console.log(`${invite.code}  (${describe(invite)})`);
        }
        return 0;
      }
      case 'list':
        for (const invite of await client.invites(token)) console.log(describe(invite));
        return 0;
      case 'revoke': {
        if (id === undefined || !/^[0-9]+$/.test(id)) throw new Error('revoke needs the invite id (pbts invite list shows them)');
        console.log(describe(await client.revokeInvite(token, Number(id))));
        return 0;
      }
      default:
        console.error(`unknown invite action "${action}"\n\n${INVITE_USAGE}`);
        return 2;
    }
  } catch (error) {
    if (!(error instanceof TrackerRefusal)) throw error;
    console.error(`refused (${error.status} ${error.code}): ${error.reason}`);
    return 1;
  }
}
