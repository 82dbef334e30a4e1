import { describe, expect, it } from 'vitest';
import { nextConfigState } from './node-config-applied.js';

/** Desired revision 9, revision 4 applied, the apply of revision 6 failed. */
const failing = {
  desired_revision: '9',
  applied_revision: '4',
  last_error: 'wg: bad key (revision 6)',
  last_error_revision: '6',
};
const healthy = { ...failing, last_error: null, last_error_revision: null };

describe('nextConfigState orders config.applied reports by revision', () => {
  it.each([
    [
      'a success past the error clears it',
      failing,
      { revision: 7, ok: true },
      { applied_revision: 7, last_error: null, last_error_revision: null },
    ],
    [
      'a success of the failed revision clears it',
      failing,
      { revision: 6, ok: true },
      { applied_revision: 6, last_error: null, last_error_revision: null },
    ],
    [
      'an older success does not clear a newer error',
      failing,
      { revision: 5, ok: true },
      { applied_revision: 5 },
    ],
    ['a success of what is applied changes nothing', healthy, { revision: 4, ok: true }, undefined],
    ['an older success never lowers applied_revision', healthy, { revision: 3, ok: true }, undefined],
    [
      'a failure past the error replaces it',
      failing,
      { revision: 8, ok: false, error: 'nft: refused' },
      { last_error: 'nft: refused (revision 8)', last_error_revision: 8 },
    ],
    [
      'an older failure does not replace a newer one',
      failing,
      { revision: 5, ok: false, error: 'x' },
      undefined,
    ],
    ['a failure of an applied revision is stale', healthy, { revision: 4, ok: false, error: 'x' }, undefined],
    [
      'the same failure again changes nothing',
      failing,
      { revision: 6, ok: false, error: 'wg: bad key' },
      undefined,
    ],
    [
      'a failure without a message gets one',
      healthy,
      { revision: 5, ok: false },
      { last_error: 'apply failed (revision 5)', last_error_revision: 5 },
    ],
    ['a revision never issued is ignored', healthy, { revision: 10, ok: true }, undefined],
  ])('%s', (_name, node, report, expected) => {
    expect(nextConfigState(node, report)).toEqual(expected);
  });

  it('orders by the stored revision, not by what the message says', () => {
    const reworded = { ...failing, last_error: 'the message says (revision 99)' };
    expect(nextConfigState(reworded, { revision: 7, ok: true })).toMatchObject({ last_error: null });
    const legacy = { ...failing, last_error: 'an error of unknown revision', last_error_revision: null };
    expect(nextConfigState(legacy, { revision: 5, ok: true })).toMatchObject({ last_error: null });
  });
});
