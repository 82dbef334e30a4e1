import { Writable } from 'node:stream';
import { errorHandler } from '../../auth-api/src/platform/http/error-handler.js';
import { parseBody } from '../../auth-api/src/platform/http/validate.js';
import { buildOpenApiDocument } from '../../auth-api/src/openapi/build-document.js';
import { routeTable } from '../../auth-api/src/routes.js';
import { WirefleetError } from '@wirefleet/shared/errors';
import { createLogger } from '@wirefleet/shared/logging';
import type { Request, Response } from 'express';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzz } from '../support/fuzz.js';
import { COMMON_FIELDS, type JsonModel, toJsonText, valuesFor } from '../support/hostile-input.js';

/**
 * Every request body schema a route validates, fuzzed in-process through the auth-api's own
 * validation and error path (parseBody, then the error middleware): FUZZ_RUNS (≥ 10,000) bodies
 * per schema. Each body is JSON text parsed as express.json parses it, so `__proto__` keys, 1e400
 * and lone surrogates arrive as they would over HTTP. test/fuzz/rest-routes.test.ts sends a few
 * hundred per route to the real service on Postgres. docs/testing.md has the split.
 */

const bodyRoutes = routeTable.filter((route) => route.request?.body);
const silent = createLogger({
  service: 'fuzz',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});
const handleError = errorHandler(silent);
/** Strings a route accepts end up in Postgres text and jsonb columns, which refuse NUL and unpaired surrogates. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (text: string) => text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);

/** What Express hands a route after express.json: the parsed body, a JSON content type. */
function requestWith(body: unknown): Request {
  return {
    body,
    headers: { 'content-type': 'application/json', 'content-length': '2' },
    is: (type: string) => (type === 'application/json' ? type : false),
    method: 'POST',
    originalUrl: '/fuzz',
  } as unknown as Request;
}

/** Records what the error middleware writes. */
function recordingResponse() {
  const recorded = { status: 0, type: '', body: '', headers: {} as Record<string, string> };
  const res = {
    headersSent: false,
    setHeader(name: string, value: string) {
      recorded.headers[name.toLowerCase()] = value;
      return res;
    },
    status(code: number) {
      recorded.status = code;
      return res;
    },
    type(type: string) {
      recorded.type = type;
      return res;
    },
    send(body: string) {
      recorded.body = body;
      return res;
    },
  };
  return { res: res as unknown as Response, recorded };
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [key, ...stringsOf(child)]);
}

describe('hostile request bodies, in-process: every schema parses or answers 400 invalid_request', () => {
  afterAll(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('fuzzes every route that documents a request body', () => {
    const document = buildOpenApiDocument(routeTable, { version: 'fuzz' }) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const documented = Object.entries(document.paths)
      .flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => op.requestBody !== undefined)
          .map(([method]) => `${method} ${path}`),
      )
      .sort();
    expect(bodyRoutes.length).toBeGreaterThan(0);
    expect(bodyRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(documented);
  });

  for (const route of bodyRoutes) {
    const name = `${route.method.toUpperCase()} ${route.path}`;
    it(
      `${name}: ${FUZZ_RUNS} bodies`,
      async () => {
        const schema = route.request!.body!;
        let passed = 0;
        const runs = await fuzz(
          name,
          fc.property(valuesFor(schema, COMMON_FIELDS), (model: JsonModel) => {
            const text = toJsonText(model);
            let value: unknown;
            try {
              value = JSON.parse(text);
            } catch {
              // 1e400 and friends parse; only text over V8's limits would not, and express.json answers that itself.
              return;
            }
            let parsed: unknown;
            try {
              parsed = parseBody(schema, requestWith(value));
            } catch (error) {
              expect(error).toBeInstanceOf(WirefleetError);
              const refusal = error as WirefleetError;
              expect({ code: refusal.code, status: refusal.status }).toEqual({
                code: 'invalid_request',
                status: 400,
              });
              const { res, recorded } = recordingResponse();
              handleError(error, requestWith(value), res, () => undefined);
              expect(recorded.status).toBe(400);
              expect(recorded.type).toBe('application/problem+json');
              const problem = JSON.parse(recorded.body) as { code: string; status: number; errors: unknown };
              expect(problem).toMatchObject({ code: 'invalid_request', status: 400 });
              expect(Array.isArray(problem.errors) && problem.errors.length > 0).toBe(true);
              for (const fieldError of problem.errors as unknown[]) {
                expect(fieldError).toEqual({ path: expect.any(String), message: expect.any(String) });
              }
              return;
            }
            passed += 1;
            // What a route accepts must be storable: a 500 from Postgres is not a validation answer.
            expect(stringsOf(parsed).filter(unstorable)).toEqual([]);
            // The accepted value validates again (defaults filled in are themselves valid input).
            expect(schema.safeParse(parsed).success).toBe(true);
          }),
        );
        expect(runs).toBe(FUZZ_RUNS);
        // A generator that never produces a valid body would test the refusal path only.
        expect(passed).toBeGreaterThan(FUZZ_RUNS / 20);
      },
      FUZZ_TIMEOUT_MS,
    );
  }
});
