import argon2 from 'argon2';
import { BoundedConcurrency, type ConcurrencyStats } from './bounded-concurrency.js';

export interface Argon2Parameters {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

/**
 * Argon2id hashing and verification, at most `maxConcurrency` at a time.
 * Each computation holds `memoryKib` of memory, so the bound is what keeps a login flood
 * from exhausting memory; excess callers queue, and beyond the queue get 503.
 */
export class PasswordHasher {
  private readonly gate: BoundedConcurrency;
  private dummyHash: string | undefined;

  constructor(
    private readonly parameters: Argon2Parameters,
    limits: { maxConcurrency: number; maxQueue: number },
  ) {
    this.gate = new BoundedConcurrency(limits.maxConcurrency, limits.maxQueue);
  }

  hash(password: string): Promise<string> {
    return this.gate.run(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: this.parameters.memoryKib,
        timeCost: this.parameters.iterations,
        parallelism: this.parameters.parallelism,
      }),
    );
  }

  /** False for a wrong password and for a hash that cannot be parsed (never throws on bad input). */
  verify(hash: string, password: string): Promise<boolean> {
    return this.gate.run(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        // A corrupt stored hash must read as "wrong password", not as a 500 that reveals it.
        return false;
      }
    });
  }

  /**
   * Verifies against a hash of the current parameters for a user that does not exist, so
   * "no such user" costs the same time as "wrong password".
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= await this.hash('wirefleet-dummy-password-for-timing');
    await this.verify(this.dummyHash, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, {
        memoryCost: this.parameters.memoryKib,
        timeCost: this.parameters.iterations,
        parallelism: this.parameters.parallelism,
      });
    } catch {
      // Not a parseable argon2 hash: replace it on the next successful login.
      return true;
    }
  }

  stats(): ConcurrencyStats {
    return this.gate.stats();
  }
}
