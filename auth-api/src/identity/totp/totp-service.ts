import { WirefleetError } from '@wirefleet/shared/errors';
import type { AuditLog } from '../../platform/audit/index.js';
import type { LoginGuard } from '../../platform/rate-limits/index.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import type { SecretBox } from './secret-box.js';
import { generateTotpSecret, otpauthUri, verifyTotp } from './totp.js';

export interface TotpVerifier {
  /** True when `code` is valid for the user's enabled secret and its time step was never used before. */
  verifyAndClaim(user: UserRecord, code: string): Promise<boolean>;
}

/** TOTP enrolment (setup → enable with a confirming code → disable with a code). */
export class TotpService implements TotpVerifier {
  constructor(
    private readonly deps: {
      users: UserStore;
      box: SecretBox;
      guard: LoginGuard;
      audit: AuditLog;
      issuer: string;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async verifyAndClaim(user: UserRecord, code: string): Promise<boolean> {
    if (!user.totpSecretEnc) return false;
    return this.checkCode(user, this.deps.box.open(user.totpSecretEnc), code);
  }

  private async checkCode(user: UserRecord, secret: string, code: string): Promise<boolean> {
    // Reserved before the code is checked, so parallel guesses cannot outrun the failure count.
    const ticket = await this.deps.guard.beforeTotp(user.id);
    let ok: boolean;
    try {
      const result = verifyTotp(secret, code, { nowMs: this.now(), window: 1, lastAcceptedStep: user.totpLastStep });
      ok = result.ok && (await this.deps.users.claimTotpStep(user.id, result.step));
    } catch (error) {
      await ticket.release();
      throw error;
    }
    await (ok ? ticket.succeeded() : ticket.failed());
    return ok;
  }

  /** Starts enrolment: a new secret, pending until a code from it is confirmed. */
  async setup(user: UserRecord): Promise<{ secret: string; otpauth_uri: string }> {
    if (user.totpEnabled) throw new WirefleetError('totp_already_enabled');
    const secret = generateTotpSecret();
    await this.deps.users.update(user.id, { totp_pending_secret_enc: this.deps.box.seal(secret) });
    return { secret, otpauth_uri: otpauthUri({ secret, account: user.username, issuer: this.deps.issuer }) };
  }

  async enable(user: UserRecord, code: string, ip: string): Promise<void> {
    if (user.totpEnabled) throw new WirefleetError('totp_already_enabled');
    if (!user.totpPendingSecretEnc) {
      throw new WirefleetError('invalid_request', { detail: 'call /v1/auth/totp/setup first' });
    }
    const secret = this.deps.box.open(user.totpPendingSecretEnc);
    if (!(await this.checkCode(user, secret, code))) throw new WirefleetError('totp_invalid');
    await this.deps.users.update(user.id, {
      totp_enabled: true,
      totp_secret_enc: user.totpPendingSecretEnc,
      totp_pending_secret_enc: null,
    });
    await this.deps.audit.record({ type: 'auth.totp_enabled', actor: `user:${user.id}`, subject: `user:${user.id}`, ip });
  }

  async disable(user: UserRecord, code: string, ip: string): Promise<void> {
    if (!user.totpEnabled) throw new WirefleetError('totp_not_enabled');
    if (!(await this.verifyAndClaim(user, code))) throw new WirefleetError('totp_invalid');
    await this.deps.users.update(user.id, { totp_enabled: false, totp_secret_enc: null, totp_pending_secret_enc: null });
    await this.deps.audit.record({ type: 'auth.totp_disabled', actor: `user:${user.id}`, subject: `user:${user.id}`, ip });
  }
}
