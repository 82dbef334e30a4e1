import { loginRequest, totpCode } from '@wirefleet/shared/schemas';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useFormSubmit } from '../forms/use-form-submit.js';
import type { Checked } from '../forms/validation.js';
import { Button, ErrorNotice, Field } from '../ui/components.js';
import type { Session } from './session.js';
import { type SsoProvider, ssoStartUrl } from './sso-return.js';

interface Credentials {
  username: string;
  password: string;
  /** Only once the API asked for it. */
  code: string | undefined;
}

/** The sign-in inputs, or what to fix first: the code's shape, then the username and password. */
export function checkSignIn(credentials: Credentials): Checked<Credentials> {
  const { username, password, code } = credentials;
  if (code !== undefined && !totpCode.safeParse(code).success) {
    return { ok: false, errors: { totp: 'Enter the 6-digit code from your authenticator app.' } };
  }
  const body = { username, password, ...(code !== undefined ? { totp_code: code } : {}) };
  if (!loginRequest.safeParse(body).success) {
    return { ok: false, errors: { form: 'Enter your username and password.' } };
  }
  return { ok: true, value: credentials };
}

/** The form's inputs and its submit; a `totp_required` answer turns the code input on. */
function useSignIn(session: Session) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const submit = useFormSubmit(
    () => checkSignIn({ username, password, code: needsCode ? code : undefined }),
    async (credentials) => {
      const result = await session.signIn(credentials.username, credentials.password, credentials.code);
      if (result === 'totp_required') setNeedsCode(true);
    },
  );
  return { username, setUsername, password, setPassword, code, setCode, needsCode, submit };
}

type SignInForm = ReturnType<typeof useSignIn>;

/**
 * Username and password; then, for an account with TOTP, the 6-digit code. The password stays
 * in the form until the code is accepted, since the API wants both again.
 */
export function SignInView({ session, reason }: { session: Session; reason?: string | undefined }) {
  const form = useSignIn(session);
  const { errors, failure, busy, onSubmit } = form.submit;
  // A missing username or password is said like the API's refusals, above the form.
  const error = failure ?? (errors.form ? new Error(errors.form) : undefined);
  return (
    <main class="sign-in" id="main">
      <form class="card sign-in-card" onSubmit={onSubmit} aria-labelledby="sign-in-title" noValidate>
        <h1 id="sign-in-title">Sign in to Wirefleet</h1>
        {reason && !error ? <p class="notice notice-info">{reason}</p> : null}
        {error ? <ErrorNotice error={error} /> : null}
        <CredentialFields form={form} />
        {form.needsCode ? <CodeField form={form} error={errors.totp} /> : null}
        <Button type="submit" variant="primary" busy={busy}>
          {form.needsCode ? 'Verify code' : 'Sign in'}
        </Button>
        <SsoButtons session={session} />
      </form>
    </main>
  );
}

/** Username (focused first) and password; locked while the code is asked for. */
function CredentialFields({ form }: { form: SignInForm }) {
  const usernameInput = useRef<HTMLInputElement>(null);
  useEffect(() => usernameInput.current?.focus(), []);
  return (
    <>
      <Field label="Username">
        {(id) => (
          <input
            id={id}
            name="username"
            autoComplete="username"
            required
            value={form.username}
            onInput={(e) => form.setUsername(e.currentTarget.value)}
            disabled={form.needsCode}
            ref={usernameInput}
          />
        )}
      </Field>
      <Field label="Password">
        {(id) => (
          <input
            id={id}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={form.password}
            onInput={(e) => form.setPassword(e.currentTarget.value)}
            disabled={form.needsCode}
          />
        )}
      </Field>
    </>
  );
}

/** The authenticator's code, focused when it appears. */
function CodeField({ form, error }: { form: SignInForm; error: string | undefined }) {
  const codeInput = useRef<HTMLInputElement>(null);
  useEffect(() => codeInput.current?.focus(), []);
  return (
    <Field label="Authentication code" hint="The 6-digit code from your authenticator app." error={error}>
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
          aria-invalid={error ? true : undefined}
          value={form.code}
          onInput={(e) => form.setCode(e.currentTarget.value.trim())}
        />
      )}
    </Field>
  );
}

const SSO_LIST = { display: 'flex', flexDirection: 'column', gap: '0.5rem', marginTop: '0.75rem' } as const;
const SSO_BUTTON = { display: 'block', textAlign: 'center', textDecoration: 'none' } as const;

/** "Sign in with <provider>" for each configured single sign-on provider; nothing when there is none. */
function SsoButtons({ session }: { session: Session }) {
  const [providers, setProviders] = useState<SsoProvider[]>([]);
  useEffect(() => {
    let live = true;
    void session.ssoProviders().then((list) => live && setProviders(list));
    return () => {
      live = false;
    };
  }, [session]);
  if (providers.length === 0) return null;
  const returnTo = globalThis.location?.pathname ?? '/';
  return (
    // Styled in place (set through the CSSOM, which the page's CSP allows): one full-width
    // button per provider under the password form.
    <nav class="sign-in-sso" aria-label="Single sign-on" style={SSO_LIST}>
      {providers.map((provider) => (
        <a
          key={provider.id}
          class="button button-plain"
          style={SSO_BUTTON}
          href={ssoStartUrl(provider, returnTo)}
        >
          Sign in with {provider.name}
        </a>
      ))}
    </nav>
  );
}
