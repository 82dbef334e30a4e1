import { ApiError, type FieldError } from './api-error.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** false for the calls made before there is a token (login, refresh). */
  authenticated?: boolean;
}

export interface HttpClientOptions {
  /** '' for the same origin. */
  baseUrl: string;
  /** A valid access token, refreshed first when it is about to expire. */
  accessToken(): Promise<string | undefined>;
  /** Called once when a token was refused; resolves true when a new one is ready to retry with. */
  renewAfterRefusal(): Promise<boolean>;
  fetch?: typeof fetch;
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: { code?: string; detail?: string; title?: string; errors?: FieldError[] } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not a problem body (a proxy's error page): status alone has to do.
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ApiError(
    response.status,
    body.code ?? `http_${response.status}`,
    body.detail ?? body.title,
    Array.isArray(body.errors) ? body.errors : [],
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

/** JSON over fetch with the session's bearer token; every failure becomes an {@link ApiError}. */
export class HttpClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }
  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }
  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path, {});
  }

  async request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const authenticated = options.authenticated ?? true;
    let response = await this.send(method, path, options, authenticated);
    if (response.status === 401 && authenticated && (await this.options.renewAfterRefusal())) {
      response = await this.send(method, path, options, authenticated);
    }
    if (!response.ok) throw await toApiError(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, options: RequestOptions, authenticated: boolean) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (authenticated) {
      const token = await this.options.accessToken();
      if (token) headers.authorization = `Bearer ${token}`;
    }
    return this.fetchImpl(`${this.options.baseUrl}${withQuery(path, options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  }
}

/** Reads every page of a `{items, next_cursor?}` list (at most `maxPages`). */
export async function readAllPages<T>(
  http: HttpClient,
  path: string,
  query: Query = {},
  maxPages = 100,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await http.get<{ items: T[]; next_cursor?: string }>(path, { ...query, cursor });
    items.push(...result.items);
    if (!result.next_cursor) break;
    cursor = result.next_cursor;
  }
  return items;
}
