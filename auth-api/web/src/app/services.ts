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
export function createCoreServices(options: ServiceOptions): { http: HttpClient; session: Session } {
  let session: Session | undefined;
  const http = new HttpClient({
    baseUrl: options.apiBaseUrl ?? '',
    accessToken: async () => session?.accessToken(),
    renewAfterRefusal: async () => (session ? session.renewAfterRefusal() : false),
  });
  session = new Session({ http, storage: options.storage ?? sessionStorage });
  return { http, session };
}

/** The live parts of a signed-in session: one socket and the fleet read through it. */
export function startLiveServices(core: { http: HttpClient; session: Session }, gatewayUrl: string): Services {
  const live = new LiveConnection({
    url: gatewayUrl,
    token: async (request) => {
      const token = request?.forceRefresh ? await core.session.refresh() : await core.session.accessToken();
      if (!token) throw new Error('signed out');
      return token;
    },
  });
  const fleet = new FleetStore(core.http);
  fleet.start(live);
  live.start();
  return { ...core, live, fleet };
}

export const ServicesContext = createContext<Services | undefined>(undefined);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside a signed-in app');
  return services;
}
