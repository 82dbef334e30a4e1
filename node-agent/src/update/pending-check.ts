import type { ReleaseStore } from './release-store.js';

/** What to do before a build is started. */
export type StartDecision =
  | { action: 'start' }
  /** A new build's first start: give it until `deadline` (ms since epoch) to confirm. */
  | { action: 'start-new'; version: string; deadline: number }
  | { action: 'rolled-back'; version: string; to: string };

/**
 * Run before every start of the agent — by `wirefleet-agent supervise`, and under systemd by
 * `wirefleet-agent update-check` (ExecStartPre, the installed build): a switch to a new build
 * gets one start. If that build confirmed (a successful config.applied), the switch is kept;
 * if it is started again without having confirmed — it crashed, or it or its supervisor gave up
 * waiting (`confirmMs`) — `current` goes back to `previous`, and the version is remembered as
 * bad so the config that names it does not install it again.
 */
export function beforeStart(store: ReleaseStore, confirmMs: number, now = Date.now()): StartDecision {
  const pending = store.pending();
  if (pending === undefined) return { action: 'start' };
  if (store.confirmedVersion() === pending.version) {
    store.setPending(undefined);
    store.setState({ state: 'updated', version: pending.version });
    return { action: 'start' };
  }
  if (pending.starts === 0) {
    store.setPending({ ...pending, starts: 1 });
    return { action: 'start-new', version: pending.version, deadline: now + confirmMs };
  }
  store.rollBack();
  store.markBad(pending.version);
  store.setPending(undefined);
  store.setState({
    state: 'rolled_back',
    version: pending.version,
    error: `${pending.version} did not report a successful config.applied within ${Math.round(confirmMs / 1000)} s of its start; back on ${pending.from}`,
  });
  return { action: 'rolled-back', version: pending.version, to: pending.from };
}
