import { loginRequest, totpCode } from '@wirefleet/shared/schemas';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Button, ErrorNotice, Field } from '../ui/components.js';
import type { Session } from './session.js';

/**
 * Username and password; then, for an account with TOTP, the 6-digit code. The password stays
 * in the form until the code is accepted, since the API wants both again.
 */
export function SignInView({ session, reason }: { session: Session; reason?: string | undefined }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [codeError, setCodeError] = useState<string>();
  const codeInput = useRef<HTMLInputElement>(null);
  const usernameInput = useRef<HTMLInputElement>(null);
  useEffect(() => usernameInput.current?.focus(), []);

  useEffect(() => {
    if (needsCode) codeInput.current?.focus();
  }, [needsCode]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setCodeError(undefined);
    if (needsCode && !totpCode.safeParse(code).success) {
      setCodeError('Enter the 6-digit code from your authenticator app.');
      return;
    }
    const checked = loginRequest.safeParse({ username, password, ...(needsCode ? { totp_code: code } : {}) });
    if (!checked.success) {
      setError(new Error('Enter your username and password.'));
      return;
    }
    setBusy(true);
    try {
      const result = await session.signIn(username, password, needsCode ? code : undefined);
      if (result === 'totp_required') setNeedsCode(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <form class="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <h1 id="sign-in-title">Sign in to Wirefleet</h1>
        {reason && !error ? <p class="notice notice-info">{reason}</p> : null}
        {error ? <ErrorNotice error={error} /> : null}
        <Field label="Username">
          {(id) => (
            <input id={id} name="username" autoComplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} disabled={needsCode} ref={usernameInput} />
          )}
        </Field>
        <Field label="Password">
          {(id) => (
            <input id={id} name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} disabled={needsCode} />
          )}
        </Field>
        {needsCode ? (
          <Field label="Authentication code" hint="The 6-digit code from your authenticator app." error={codeError}>
            {(id, describedBy) => (
              <input
                id={id}
                ref={codeInput}
                name="totp"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                aria-describedby={describedBy}
                aria-invalid={codeError ? true : undefined}
                value={code}
                onInput={(e) => setCode(e.currentTarget.value.trim())}
              />
            )}
          </Field>
        ) : null}
        <Button type="submit" variant="primary" busy={busy}>
          {needsCode ? 'Verify code' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}
