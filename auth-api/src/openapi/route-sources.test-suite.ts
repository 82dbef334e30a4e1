import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpMethod, ParamKind, RouteAuth } from './route-spec.js';

/**
 * Reads the routers' source to learn what routes exist and what each one parses, so the
 * OpenAPI tests compare the document with the code rather than with a second hand-kept list.
 * (Named `.test-suite.ts` so the build leaves it out: it reads `src/` at run time.)
 */

const SRC = fileURLToPath(new URL('..', import.meta.url));

/** The routers named in the OpenAPI brief; discovery must find at least these. */
export const KNOWN_ROUTE_FILES = [
  'ops/ops-routes.ts',
  'openapi/openapi-routes.ts',
];

export interface SourceRoute {
  file: string;
  method: HttpMethod;
  /** OpenAPI style (`:id` → `{id}`). */
  path: string;
  auth: RouteAuth;
  /** The expression handed to parseBody / parseQuery, e.g. `loginRequest` or `x.partial().strict()`. */
  body?: string;
  query?: string;
  params?: ParamKind;
}

/** Every non-test source file under auth-api/src that creates an Express Router. */
export function discoverRouteFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      // http/routes/ registers route definitions, whose routes this parser cannot see.
      if (entry.isDirectory()) {
        if (path.relative(SRC, full) !== path.join('http', 'routes')) walk(full);
      }
      else if (
        /(?<!\.test|\.test-suite)\.ts$/.test(entry.name) &&
        /\bRouter\(\)/.test(fs.readFileSync(full, 'utf8'))
      ) {
        files.push(path.relative(SRC, full).split(path.sep).join('/'));
      }
    }
  };
  walk(SRC);
  return files.sort();
}

const ROUTE = /\brouter\.(get|post|put|patch|delete)\(\s*'([^']+)'/g;
/** Any route registration at all, whatever the router variable is called. */
const ANY_ROUTE = /\.(get|post|put|patch|delete)\(\s*'\//g;

function authOf(args: string, source: string): RouteAuth {
  if (/\.any\(\)/.test(args)) return 'any';
  if (/\.node\(\)/.test(args)) return 'node';
  const inline = /\.require\('(\w+)'\)/.exec(args);
  if (inline) return inline[1] as RouteAuth;
  // `const operator = auth.require('operator')` declared once, used by name in the route.
  for (const name of args.match(/\b[a-z]\w*\b/g) ?? []) {
    const declared = new RegExp(`const ${name} = [\\w.]*\\.require\\('(\\w+)'\\)`).exec(source);
    if (declared) return declared[1] as RouteAuth;
  }
  return 'none';
}

function paramsOf(segment: string, source: string): ParamKind | undefined {
  const expression = /parseParams\(\s*(z\.object\(\{[^)]*\)\s*\}\)|\w+)/.exec(segment)?.[1];
  if (expression === undefined) return undefined;
  if (expression === 'idParams') return 'integer';
  const definition = /^\w+$/.test(expression)
    ? (new RegExp(`const ${expression} = (.*);`).exec(source)?.[1] ?? '')
    : expression;
  if (/z\.uuid\(\)/.test(definition)) return 'uuid';
  throw new Error(`cannot tell the parameter kind of ${expression}`);
}

export function readSourceRoutes(file: string): { routes: SourceRoute[]; registrations: number } {
  const source = fs.readFileSync(path.join(SRC, file), 'utf8');
  const matches = [...source.matchAll(ROUTE)];
  const routes = matches.map((match, index) => {
    const start = match.index + match[0].length;
    const segment = source.slice(start, matches[index + 1]?.index ?? source.length);
    // Middleware sits between the path and the handler, which starts at `async (` or `(req`.
    const args = segment.slice(0, segment.search(/async \(|\(_?req\b/));
    const route: SourceRoute = {
      file,
      method: match[1] as HttpMethod,
      path: match[2]!.replace(/:(\w+)/g, '{$1}'),
      auth: authOf(args, source),
    };
    const body = /parseBody\(\s*(\w+(?:\.\w+\(\))*)\s*,/.exec(segment)?.[1];
    const query = /parseQuery\(\s*(\w+)\s*,/.exec(segment)?.[1];
    const params = paramsOf(segment, source);
    if (body) route.body = body;
    if (query) route.query = query;
    if (params) route.params = params;
    return route;
  });
  return { routes, registrations: [...source.matchAll(ANY_ROUTE)].length };
}

export function allSourceRoutes(): SourceRoute[] {
  return discoverRouteFiles().flatMap((file) => readSourceRoutes(file).routes);
}
