import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

/** What a started login must remember until its callback (kept server-side, never in the browser). */
export interface PendingFlow {
  provider: string;
  nonce: string;
  codeVerifier: string;
  /** A path of the dashboard to go back to (validated as same-origin when the flow started). */
  returnTo: string;
}

/** What the callback hands to the page through a one-time code. */
export interface Handoff {
  userId: number;
  provider: string;
  subject: string;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * Login flows and hand-off codes in Postgres, so a login started on one auth-api instance
 * finishes on any other. Both are single use: claiming is a `DELETE … RETURNING` of an
 * unexpired row, so of two concurrent claims exactly one gets it. Expired rows are swept on
 * every new flow.
 */
export class OidcFlowStore {
  constructor(
    private readonly db: Knex,
    private readonly ttlSeconds: { flow: number; handoff: number },
  ) {}

  /** A new `state`: 256 random bits. */
  static newState(): string {
    return randomBytes(32).toString('base64url');
  }

  /** Stores a new flow under its `state`. */
  async begin(state: string, flow: PendingFlow): Promise<void> {
    await this.db('oidc_flows').where('expires_at', '<', this.db.fn.now()).delete();
    await this.db('oidc_handoffs').where('expires_at', '<', this.db.fn.now()).delete();
    await this.db('oidc_flows').insert({
      state,
      provider: flow.provider,
      nonce: flow.nonce,
      code_verifier: flow.codeVerifier,
      return_to: flow.returnTo,
      expires_at: this.db.raw('now() + make_interval(secs => ?)', [this.ttlSeconds.flow]),
    });
  }

  /** The flow of `state` for `provider`, removed; undefined when unknown, used, expired or another provider's. */
  async claim(state: string, provider: string): Promise<PendingFlow | undefined> {
    const [row] = await this.db('oidc_flows')
      .where({ state })
      .andWhere('expires_at', '>', this.db.fn.now())
      .delete()
      .returning<Array<{ provider: string; nonce: string; code_verifier: string; return_to: string }>>('*');
    if (!row || row.provider !== provider) return undefined;
    return {
      provider: row.provider,
      nonce: row.nonce,
      codeVerifier: row.code_verifier,
      returnTo: row.return_to,
    };
  }

  /** A one-time code for `handoff`; only its hash is stored. */
  async handOff(handoff: Handoff): Promise<string> {
    const code = `wfo_${randomBytes(32).toString('base64url')}`;
    await this.db('oidc_handoffs').insert({
      code_hash: sha256(code),
      user_id: handoff.userId,
      provider: handoff.provider,
      subject: handoff.subject,
      expires_at: this.db.raw('now() + make_interval(secs => ?)', [this.ttlSeconds.handoff]),
    });
    return code;
  }

  /** The hand-off of `code`, removed; undefined when unknown, used or expired. */
  async redeem(code: string): Promise<Handoff | undefined> {
    const [row] = await this.db('oidc_handoffs')
      .where({ code_hash: sha256(code) })
      .andWhere('expires_at', '>', this.db.fn.now())
      .delete()
      .returning<Array<{ user_id: string; provider: string; subject: string }>>('*');
    return row ? { userId: Number(row.user_id), provider: row.provider, subject: row.subject } : undefined;
  }
}
