import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { canOperate, isAdmin, type User } from '../api/resources.js';
import { SignInView } from '../auth/sign-in-view.js';
import { OverviewView } from '../fleet/overview-view.js';
import { Loading } from '../ui/components.js';
import { useStore } from '../ui/hooks.js';
import { lazyView } from './lazy-view.js';
import { currentPath, matchRoute, navigate, type Route } from './router.js';
import { type CoreServices, ServicesContext, startLiveServices } from './services.js';
import { AppHeader } from './app-header.js';

const NodeDetailView = lazyView('node', () => import('../nodes/node-detail-view.js').then((m) => m.NodeDetailView));
const DevicesView = lazyView('devices', () => import('../devices/devices-view.js').then((m) => m.DevicesView));
const EnrollmentKeysView = lazyView('enrollment keys', () =>
  import('../enrollment/enrollment-keys-view.js').then((m) => m.EnrollmentKeysView),
);
const PolicyView = lazyView('access policy', () => import('../policy/policy-view.js').then((m) => m.PolicyView));
const UsersView = lazyView('users', () => import('../users/users-view.js').then((m) => m.UsersView));
const AuditView = lazyView('audit log', () => import('../audit/audit-view.js').then((m) => m.AuditView));

/** Signed out: the sign-in form. Signed in: the live services and the views. */
export function App({ core, gatewayUrl }: { core: CoreServices; gatewayUrl: string }) {
  const state = useStore(core.session.state);
  if (state.kind === 'restoring') return <Loading what="your session" />;
  if (state.kind === 'signed-out') return <SignInView session={core.session} reason={state.reason} />;
  return <SignedIn core={core} gatewayUrl={gatewayUrl} user={state.user} />;
}

function SignedIn({ core, gatewayUrl, user }: { core: CoreServices; gatewayUrl: string; user: User }) {
  // One socket per signed-in session; signing out unmounts this and closes it.
  const services = useMemo(() => startLiveServices(core, gatewayUrl), [core, gatewayUrl]);
  useEffect(
    () => () => {
      services.fleet.stop();
      void services.live.stop();
    },
    [services],
  );
  const path = useStore(currentPath);
  const route = matchRoute(path);
  const main = useRef<HTMLElement>(null);
  const [firstRender, setFirstRender] = useState(true);
  useEffect(() => {
    // Moving between views puts focus on the new view's heading, as a page load would.
    if (firstRender) setFirstRender(false);
    else main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path]);
  return (
    <ServicesContext.Provider value={services}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader user={user} route={route} />
      <main id="main" ref={main} class="main">
        <RouteView route={route} user={user} />
      </main>
    </ServicesContext.Provider>
  );
}

function RouteView({ route, user }: { route: Route; user: User }) {
  switch (route.view) {
    case 'overview':
      return <OverviewView />;
    case 'node':
      return <NodeDetailView nodeId={route.nodeId} canWrite={canOperate(user.role)} />;
    case 'devices':
      return <DevicesView canWrite={canOperate(user.role)} />;
    case 'policy':
      return <PolicyView canWrite={isAdmin(user.role)} />;
    case 'enrollment-keys':
      return isAdmin(user.role) ? <EnrollmentKeysView /> : <NotAllowed />;
    case 'users':
      return isAdmin(user.role) ? <UsersView currentUserId={user.id} /> : <NotAllowed />;
    case 'audit':
      return isAdmin(user.role) ? <AuditView /> : <NotAllowed />;
    case 'not-found':
      return (
        <section>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            <a href="/" onClick={(event) => { event.preventDefault(); navigate('/'); }}>
              Back to the fleet
            </a>
          </p>
        </section>
      );
  }
}

function NotAllowed() {
  return (
    <section>
      <h1 tabIndex={-1}>Admins only</h1>
      <p>Your role does not allow this page.</p>
    </section>
  );
}
