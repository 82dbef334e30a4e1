import type { ConnectionState } from '@wirefleet/shared/client';
import { useState } from 'preact/hooks';
import { isAdmin, type User } from '../api/resources.js';
import { Button } from '../ui/components.js';
import { useStore } from '../ui/hooks.js';
import { Link } from './link.js';
import type { Route } from './router.js';
import { useServices } from './services.js';
import { applyTheme, nextTheme, storedTheme } from './theme.js';

const CONNECTION_WORDS: Record<ConnectionState, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Disconnected',
};

function NavLink({ href, current, children }: { href: string; current: boolean; children: string }) {
  return (
    <Link href={href} class="nav-link" aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

export function AppHeader({ user, route }: { user: User; route: Route }) {
  const { live, session } = useServices();
  const connection = useStore(live.state);
  const [theme, setTheme] = useState(storedTheme());
  const [signingOut, setSigningOut] = useState(false);
  const toggleTheme = () => {
    const next = nextTheme(theme);
    applyTheme(next);
    setTheme(next);
  };
  const signOut = async () => {
    setSigningOut(true);
    await live.stop();
    await session.signOut().catch(() => undefined);
  };
  const admin = isAdmin(user.role);
  return (
    <header class="app-header">
      <Link href="/" class="brand">
        Wirefleet
      </Link>
      <nav aria-label="Main">
        <NavLink href="/" current={route.view === 'overview' || route.view === 'node'}>Fleet</NavLink>
        <NavLink href="/devices" current={route.view === 'devices'}>Devices</NavLink>
        <NavLink href="/policy" current={route.view === 'policy'}>Policy</NavLink>
        {admin ? <NavLink href="/enrollment-keys" current={route.view === 'enrollment-keys'}>Enrollment keys</NavLink> : null}
        {admin ? <NavLink href="/users" current={route.view === 'users'}>Users</NavLink> : null}
        {admin ? <NavLink href="/audit" current={route.view === 'audit'}>Audit log</NavLink> : null}
        <a class="nav-link" href="/docs">API</a>
      </nav>
      <div class="header-tools">
        <span class={`connection connection-${connection}`} role="status" data-testid="connection-state">
          <span class="dot" aria-hidden="true" /> {CONNECTION_WORDS[connection]}
        </span>
        <Button onClick={toggleTheme} aria-label={`Theme: ${theme}. Change theme`} title="Change theme">
          {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
        </Button>
        <span class="user" title={`Signed in as ${user.username}`}>
          {user.username} <span class="role">{user.role}</span>
        </span>
        <Button onClick={signOut} busy={signingOut}>
          Sign out
        </Button>
      </div>
    </header>
  );
}
