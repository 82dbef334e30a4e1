import { describe, expect, it } from 'vitest';
import { timingFromEnv } from './run.js';

describe('timing overrides from the environment', () => {
  it('are absent by default and read in whole seconds', () => {
    expect(timingFromEnv({})).toEqual({});
    expect(
      timingFromEnv({ WIREFLEET_STATUS_INTERVAL_SECONDS: '2', WIREFLEET_RECONNECT_MAX_SECONDS: '5' }),
    ).toEqual({
      statusIntervalMs: 2000,
      reconnectMaxMs: 5000,
    });
  });

  it('refuse a bad value, naming the variable', () => {
    for (const value of ['0', '-1', '1.5', 'soon', '99999']) {
      expect(() => timingFromEnv({ WIREFLEET_RECONNECT_MAX_SECONDS: value })).toThrow(
        /^WIREFLEET_RECONNECT_MAX_SECONDS: expected whole seconds/,
      );
    }
  });
});
