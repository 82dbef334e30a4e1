import { describe, expect, it, vi } from 'vitest';
import { ssoErrorMessage, ssoStartUrl, takeSsoReturn } from './sso-return.js';

function at(hash: string) {
  const history = { replaceState: vi.fn() };
  const location = { hash, pathname: '/nodes', search: '?x=1' };
  return { location, history, result: takeSsoReturn(location, history) };
}

describe('the single sign-on return', () => {
  it('takes the one-time code and removes it from the address bar and history', () => {
    const { result, history } = at('#oidc_code=wfo_abc');
    expect(result).toEqual({ kind: 'code', code: 'wfo_abc' });
    expect(history.replaceState).toHaveBeenCalledWith(null, '', '/nodes?x=1');
  });

  it('takes an error code and says it in words', () => {
    const { result } = at('#oidc_error=oidc_user_unknown');
    expect(result).toEqual({ kind: 'error', code: 'oidc_user_unknown' });
    expect(ssoErrorMessage('oidc_user_unknown')).toMatch(/No Wirefleet account/);
    expect(ssoErrorMessage('something_new')).toBe('Single sign-on failed. Try again.');
  });

  it('leaves other fragments alone', () => {
    const { result, history } = at('#section-2');
    expect(result).toBeUndefined();
    expect(history.replaceState).not.toHaveBeenCalled();
    expect(at('').result).toBeUndefined();
  });

  it('starts at the API and comes back to the page', () => {
    expect(ssoStartUrl({ id: 'corp', name: 'Corp' }, '/nodes/7')).toBe(
      '/v1/auth/oidc/corp/start?return_to=%2Fnodes%2F7',
    );
  });
});
