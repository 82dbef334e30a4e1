const settled = () => undefined;

/**
 * Runs a dataplane's operations one at a time, so a reconcile never interleaves with an apply.
 * An operation may leave work running after it resolves (the firewall read-back of
 * apply-runner.ts): handed over with `defer`, it is awaited before the next operation starts,
 * which therefore always sees its result.
 */
export class OperationQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private deferred: Promise<unknown> | undefined;

  /** Runs `task` after every earlier one and the work they deferred, whether they failed or not. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    const drain = () => {
      const pending = this.deferred;
      this.deferred = undefined;
      return pending;
    };
    this.tail = result.then(drain, drain);
    return result;
  }

  /** Work the running operation started and the next one must wait for; its failure is its own. */
  defer(work: Promise<unknown>): void {
    const done = work.then(settled, settled);
    this.deferred = this.deferred ? Promise.all([this.deferred, done]) : done;
  }
}
