import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { HttpClient } from '../api/http-client.js';
import { Session } from '../auth/session.js';
import { FleetStore } from '../fleet/fleet-store.js';
import { LiveConnection } from '../live/live-connection.js';

/** What the views use, wired once per page in {@link createServices}. */
export interface Services {
  http: HttpClient;
  session: Session;
  /** Created at sign-in, stopped at sign-out. */
  live: LiveConnection;
  fleet: FleetStore;
}

export interface ServiceOptions {
  gatewayUrl: string;
  apiBaseUrl?: string;
  storage?: Storage;
}

/** The HTTP client and the session need each other: the client asks the session for tokens. */
export interface CoreServices {
  http: HttpClient;
  session: Session;
  /** Created with the session, so the list can be read as soon as there is a token. */
  fleet: FleetStore;
}

export function createCoreServices(options: ServiceOptions): CoreServices {
  let session: Session | undefined;
  const http = new HttpClient({
    baseUrl: options.apiBaseUrl ?? '',
    accessToken: async () => session?.accessToken(),
    renewAfterRefusal: async () => (session ? session.renewAfterRefusal() : false),
  });
  const fleet = new FleetStore(http);
  session = new Session({ http, storage: options.storage ?? sessionStorage, onAuthenticated: () => fleet.prefetch() });
  return { http, session, fleet };
}

/** The live parts of a signed-in session: one socket and the fleet read through it. */
export function startLiveServices(core: CoreServices, gatewayUrl: string): Services {
  const live = new LiveConnection({
    url: gatewayUrl,
    token: async (request) => {
      const token = request?.forceRefresh ? await core.session.refresh() : await core.session.accessToken();
      if (!token) throw new Error('signed out');
      return token;
    },
  });
  core.fleet.start(live);
  live.start();
  return { ...core, live };
}

export const ServicesContext = createContext<Services | undefined>(undefined);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside a signed-in app');
  return services;
}
