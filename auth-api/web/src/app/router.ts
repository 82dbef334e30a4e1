import { Store } from './store.js';

/** The path the app shows; changed by links and the browser's back/forward buttons. */
export const currentPath = new Store<string>(typeof location === 'undefined' ? '/' : location.pathname);

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === currentPath.get()) return;
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  currentPath.set(path);
}

export function listenToHistory(): void {
  window.addEventListener('popstate', () => currentPath.set(location.pathname));
}

export type Route =
  | { view: 'overview' }
  | { view: 'node'; nodeId: number }
  | { view: 'devices' }
  | { view: 'policy' }
  | { view: 'enrollment-keys' }
  | { view: 'users' }
  | { view: 'audit' }
  | { view: 'not-found' };

/** Pure: which view a path shows. */
export function matchRoute(path: string): Route {
  const clean = path.replace(/\/+$/, '') || '/';
  if (clean === '/') return { view: 'overview' };
  const node = /^\/nodes\/([1-9][0-9]{0,15})$/.exec(clean);
  if (node) return { view: 'node', nodeId: Number(node[1]) };
  switch (clean) {
    case '/devices':
      return { view: 'devices' };
    case '/policy':
      return { view: 'policy' };
    case '/enrollment-keys':
      return { view: 'enrollment-keys' };
    case '/users':
      return { view: 'users' };
    case '/audit':
      return { view: 'audit' };
    default:
      return { view: 'not-found' };
  }
}
