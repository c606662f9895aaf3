/**
 * A client of one tracker over `fetch`: registration with a proof of possession, announces,
 * reports and the public read routes. Every request has a timeout; a refusal is thrown as a
 * typed error carrying the tracker's code and reason (see `errors.ts`).
 * @module
 */
import { type BlsBackend, type KeyPair, type Receipt, aggregateReceipts, getBackend, signRegistration } from '../receipts/index.ts';
import { encodeReport } from '../receipts/report-codec.ts';
import type { ChainFigures, UserView } from '../tracker/users.ts';
import { type AnnounceAnswer, type AnnounceParams, announceTarget, parseAnnounceAnswer } from './announce.ts';
import { TrackerUnreachable, refusalOf } from './errors.ts';

export type { AnnounceAnswer, AnnounceParams, AnnouncePeer } from './announce.ts';
export { AlreadySpentRefusal, AnnounceFailure, TrackerRefusal, TrackerUnreachable } from './errors.ts';

/** Options of a {@link TrackerClient}. */
export interface TrackerClientOptions {
  /** Longest wait for a whole answer, per request (default 10 s). */
  timeoutMs?: number;
  /** Backend that proves possession of keys and aggregates report signatures (default: `getBackend()`). */
  backend?: BlsBackend;
}

/**
 * A key to register: a key pair, with its proof of possession when one was made ahead (`pbts
 * keygen` keeps it in the key file; otherwise it is made here), or a public key with both
 * signatures made ahead for the user id it is registered under.
 */
export type RegisterKey = (KeyPair & { pop?: Uint8Array }) | { publicKey: Uint8Array; pop: Uint8Array; registrationSignature: Uint8Array };

/** The JSON body of `POST /register`. */
export interface RegisterBody {
  user_id: string;
  public_key: string;
  /** Proof of possession: the key's signature over itself under the PoP DST. */
  pop: string;
  /** The key's signature over its registration message (user id and key): binds the registration to `user_id`. */
  registration_signature: string;
  invite?: string;
}

/** Options of {@link TrackerClient.register}. */
export interface RegisterOptions {
  /** An invite code from the tracker's admin: required by a tracker whose registration policy is `invite`. */
  invite?: string;
  /** The tracker's admin token: registers under every policy (`closed` too). Send it only to your own tracker. */
  adminToken?: string;
}

/** An invite as the tracker's admin routes show it; `code` only in the answer that created it. */
export interface InviteAnswer {
  invite_id: number;
  status: 'unused' | 'used' | 'revoked' | 'expired';
  note: string | null;
  created_at: string;
  expires_at: string | null;
  used_at: string | null;
  used_by: string | null;
  revoked_at: string | null;
  code?: string;
}

/** A registered user. */
export interface Registration {
  userId: string;
  /** Secret to the user: it is what authorises its announces. */
  passkey: string;
  /** The URL to give a BitTorrent client as the torrent's tracker. */
  announceUrl: string;
  uploaded: number;
  downloaded: number;
}

/** The tracker's answer to an accepted report: the receipts spent and the new totals. */
export interface ReportResult {
  report_id: number;
  accepted: number;
  credited_bytes: number;
  sender: UserView;
  receivers: UserView[];
}

/** `GET /users/<id>`: the public view, with chain figures when the tracker has a chain. */
export type UserAnswer = UserView & { chain?: ChainFigures };

/** `GET /stats`. */
export interface TrackerStats {
  torrents: number;
  peers: number;
  seeders: number;
  leechers: number;
  users: number;
  uploaded_bytes: number;
  downloaded_bytes: number;
  reports: number;
  spent_receipt_ids: number;
}

/** `GET /health`. */
export interface HealthAnswer {
  status: 'ok';
  uptime_seconds: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** What some requests add: a method other than GET/POST, and headers (the admin token). */
interface RequestExtras {
  method?: string;
  headers?: Record<string, string>;
}
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The registration of `userId` with `key`: the signatures `key` lacks are made with `backend`. */
export function registerBody(backend: BlsBackend, userId: string, key: RegisterKey, invite?: string): RegisterBody {
  const { pop, signature } = 'secretKey' in key
    ? { pop: key.pop ?? backend.popProve(key.secretKey), signature: signRegistration(backend, key, userId) }
    : { pop: key.pop, signature: key.registrationSignature };
  return {
    user_id: userId,
    public_key: hex(key.publicKey),
    pop: hex(pop),
    registration_signature: hex(signature),
    ...(invite === undefined ? {} : { invite }),
  };
}

/** A client of the tracker at one base URL (`http://host:port`, optionally with a path prefix). */
export class TrackerClient {
  /** The base URL without trailing slashes. */
  readonly base: string;
  private readonly timeoutMs: number;
  private readonly backend: BlsBackend;

  constructor(base: string, options: TrackerClientOptions = {}) {
    this.base = base.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.backend = options.backend ?? getBackend();
  }

  /**
   * `POST /register`. The proofs are made before the request goes out, so a caller registering
   * many users can start the next proof while this request is in flight.
   */
  async register(userId: string, key: RegisterKey, options: RegisterOptions = {}): Promise<Registration> {
    const body = JSON.stringify(registerBody(this.backend, userId, key, options.invite));
    const headers = options.adminToken === undefined ? undefined : { authorization: `Bearer ${options.adminToken}` };
    const json = (await this.json('POST /register', '/register', body, { headers })) as Record<string, unknown>;
    return {
      userId: json.user_id as string,
      passkey: json.passkey as string,
      announceUrl: `${this.base}${json.announce_path as string}`,
      uploaded: json.uploaded as number,
      downloaded: json.downloaded as number,
    };
  }

  /** `GET /announce/<passkey>`; throws {@link AnnounceFailure} with the tracker's `failure reason`. */
  async announce(params: AnnounceParams): Promise<AnnounceAnswer> {
    const response = await this.fetch('GET /announce', announceTarget(params));
    const body = new Uint8Array(await this.read('GET /announce', response.arrayBuffer()));
    if (response.status !== 200) throw refusalOf('GET /announce', response.status, undefined);
    return parseAnnounceAnswer(body);
  }

  /**
   * `POST /report` of `receipts` (their aggregate signature computed unless given). A refusal
   * because a receipt is already spent is an {@link AlreadySpentRefusal}: never worth resending.
   */
  async report(receipts: readonly Receipt[], aggregate?: Uint8Array): Promise<ReportResult> {
    const body = encodeReport(receipts, aggregate ?? aggregateReceipts(this.backend, receipts));
    return (await this.json('POST /report', '/report', body)) as ReportResult;
  }

  /** `GET /users/<id>`; a user the tracker does not know is a 404 {@link TrackerRefusal}. */
  async user(userId: string): Promise<UserAnswer> {
    return (await this.json('GET /users', `/users/${encodeURIComponent(userId)}`)) as UserAnswer;
  }

  /** `POST /invites` (admin): a new invite code, valid for `expiresInSeconds` when given. */
  async createInvite(adminToken: string, options: { expiresInSeconds?: number; note?: string } = {}): Promise<InviteAnswer & { code: string }> {
    const body = JSON.stringify({ expires_in_seconds: options.expiresInSeconds, note: options.note });
    const headers = { authorization: `Bearer ${adminToken}` };
    return (await this.json('POST /invites', '/invites', body, { headers })) as InviteAnswer & { code: string };
  }

  /** `GET /invites` (admin): every invite, newest first (never their codes). */
  async invites(adminToken: string): Promise<InviteAnswer[]> {
    const headers = { authorization: `Bearer ${adminToken}` };
    return ((await this.json('GET /invites', '/invites', undefined, { headers })) as { invites: InviteAnswer[] }).invites;
  }

  /** `DELETE /invites/<id>` (admin): revokes an unused invite. */
  async revokeInvite(adminToken: string, inviteId: number): Promise<InviteAnswer> {
    const headers = { authorization: `Bearer ${adminToken}` };
    return (await this.json('DELETE /invites', `/invites/${inviteId}`, undefined, { headers, method: 'DELETE' })) as InviteAnswer;
  }

  /** `GET /stats`. */
  async stats(): Promise<TrackerStats> {
    return (await this.json('GET /stats', '/stats')) as TrackerStats;
  }

  /** `GET /health`. */
  async health(): Promise<HealthAnswer> {
    return (await this.json('GET /health', '/health')) as HealthAnswer;
  }

  /** A JSON route's answer; throws the tracker's refusal unless the status is 2xx. */
  private async json(route: string, target: string, body?: string, init?: RequestExtras): Promise<unknown> {
    const response = await this.fetch(route, target, body, init);
    const text = await this.read(route, response.text());
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) throw refusalOf(route, response.status, json);
    if (json === undefined) throw new Error(`${route}: the answer is not JSON`);
    return json;
  }

  private async fetch(route: string, target: string, body?: string, init: RequestExtras = {}): Promise<Response> {
    try {
      const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
      return await fetch(`${this.base}${target}`, {
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { ...json, ...init.headers },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new TrackerUnreachable(route, this.base, error);
    }
  }

  /** The body, read under the request's timeout. */
  private async read<T>(route: string, body: Promise<T>): Promise<T> {
    try {
      return await body;
    } catch (error) {
      throw new TrackerUnreachable(route, this.base, error);
    }
  }
}
