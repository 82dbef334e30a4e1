import { errorCatalogue, errorCodes } from '@wirefleet/shared/errors';
import { idParams, uuidParams } from '@wirefleet/shared/schemas';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteDefinition } from '../platform/http/routes/index.js';
import { buildOpenApiDocument } from './build-document.js';
import type { JsonSchema } from './json-schema.js';
import { problemCodesByStatus } from './problem-responses.js';
import { routeTable } from '../routes.js';

type Json = { [key: string]: unknown };
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const doc = buildOpenApiDocument(routeTable, {
  version: '1.2.3',
  serverUrl: 'https://wf.example',
}) as Json & {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
};
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ path, method, op })),
);
const operationFor = (route: { method: string; path: string }) => doc.paths[route.path]?.[route.method];

/** What the document must show for a schema: zod's own rendering, minus the per-schema `$schema`. */
function expected(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as JsonSchema;
  return rest;
}

function resolvePointer(pointer: string): unknown {
  return pointer
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Json)[key] : undefined),
      doc,
    );
}

function collectRefs(node: unknown, refs: string[] = []): string[] {
  if (Array.isArray(node)) for (const child of node) collectRefs(child, refs);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push(value);
      else collectRefs(value, refs);
    }
  }
  return refs;
}

describe('the OpenAPI document is structurally valid OpenAPI 3.1', () => {
  it('has the top-level fields', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: '1.2.3' });
    expect(doc.servers).toEqual([{ url: 'https://wf.example' }]);
    expect(doc.components.securitySchemes.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    );
    expect(buildOpenApiDocument(routeTable, { version: '0' }).servers).toEqual([{ url: '/' }]);
  });

  it('is built once per option set', () => {
    expect(buildOpenApiDocument(routeTable, { version: '1.2.3', serverUrl: 'https://wf.example' })).toBe(doc);
  });

  it('has one operation per registered route, each with responses that have descriptions', () => {
    expect(operations).toHaveLength(routeTable.length);
    for (const { path, method, op } of operations) {
      expect(path).toMatch(/^\//);
      const responses = Object.entries(op.responses as Record<string, Json>);
      expect(responses.length, `${method} ${path}`).toBeGreaterThan(1);
      for (const [status, response] of responses) {
        expect(status).toMatch(/^[1-5]\d\d$/);
        expect(typeof response.description, `${method} ${path} ${status}`).toBe('string');
      }
    }
  });

  it('has unique operationIds', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-zA-Z]\w*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves every $ref', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) {
      expect(ref, ref).toMatch(/^#\//);
      expect(resolvePointer(ref), ref).toBeTypeOf('object');
    }
  });

  it('declares every templated path parameter, required and in the path', () => {
    for (const { path, method, op } of operations) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      const declared = ((op.parameters ?? []) as Json[]).filter((param) => param.in === 'path');
      expect(declared.map((param) => param.name).sort(), `${method} ${path}`).toEqual(templated);
      for (const param of declared) expect(param.required).toBe(true);
    }
  });

  it('uses only defined security schemes and tags', () => {
    const tags = new Set((doc.tags as Json[]).map((tag) => tag.name));
    for (const { op } of operations) {
      for (const tag of op.tags as string[]) expect(tags).toContain(tag);
      for (const requirement of op.security as Json[]) {
        for (const scheme of Object.keys(requirement))
          expect(doc.components.securitySchemes).toHaveProperty(scheme);
      }
    }
  });
});

describe('errors are documented as problem details', () => {
  it('the Problem schema lists every catalogue code', () => {
    const problem = doc.components.schemas.Problem as { properties: { code: { enum: string[] } } };
    expect(problem.properties.code.enum).toEqual(errorCodes);
  });

  it('each error response carries codes of its status, as application/problem+json; 429 has Retry-After', () => {
    for (const { path, method, op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) < 400) continue;
        const media = (response.content as Record<string, { schema: { allOf: Json[] } }>)[
          'application/problem+json'
        ];
        expect(media, `${method} ${path} ${status}`).toBeDefined();
        expect(media!.schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Problem' });
        const codes = (
          media!.schema.allOf[1] as { properties: { code: { enum: Array<keyof typeof errorCatalogue> } } }
        ).properties.code.enum;
        for (const code of codes)
          expect(errorCatalogue[code].status, `${method} ${path} ${code}`).toBe(Number(status));
        if (status === '429') expect(response.headers).toHaveProperty('Retry-After');
      }
    }
  });

  it('authenticated routes document 401, role-gated ones 403, public ones neither', () => {
    for (const route of routeTable) {
      const responses = operationFor(route)!.responses as Record<string, unknown>;
      expect('401' in responses, `${route.method} ${route.path}`).toBe(
        route.auth !== 'none' || route.errors.some((code) => errorCatalogue[code].status === 401),
      );
      if (route.auth === 'none') expect(operationFor(route)!.security).toEqual([]);
      else expect(operationFor(route)!.security).toEqual([{ bearer: [] }]);
    }
  });
});

describe('the document is generated from the route definitions and their zod schemas', () => {
  const name = (route: RouteDefinition) => `${route.method.toUpperCase()} ${route.path}`;

  it('registers each method and path once, with a unique operationId', () => {
    expect(new Set(routeTable.map(name)).size).toBe(routeTable.length);
    expect(new Set(routeTable.map((route) => route.operationId)).size).toBe(routeTable.length);
  });

  it.each(routeTable.map((route) => [name(route), route] as const))('%s', (_name, route) => {
    const op = operationFor(route);
    expect(op, 'route missing from the document').toBeDefined();
    const { params, query, body } = route.request ?? {};

    if (body) {
      const content = (op!.requestBody as { content: Record<string, { schema: JsonSchema }> }).content;
      expect(content['application/json']!.schema).toEqual(expected(body));
    } else {
      expect(op!.requestBody).toBeUndefined();
    }

    const queryParams = ((op!.parameters ?? []) as Json[]).filter((param) => param.in === 'query');
    if (query) {
      const rendered = expected(query) as { properties: Record<string, JsonSchema>; required?: string[] };
      expect(queryParams.map((param) => param.name)).toEqual(Object.keys(rendered.properties));
      for (const param of queryParams) {
        expect(param.schema).toEqual(rendered.properties[param.name as string]);
        expect(param.required).toBe(rendered.required?.includes(param.name as string) ?? false);
      }
    } else {
      expect(queryParams).toEqual([]);
    }

    // Path ids are validated as text but documented as what they name.
    const pathParams = ((op!.parameters ?? []) as Json[]).filter((param) => param.in === 'path');
    const idSchema =
      params === idParams
        ? { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }
        : params === uuidParams
          ? { type: 'string', format: 'uuid' }
          : undefined;
    // Other path parameters (a provider id) are documented as their own schema.
    const named = params && !idSchema ? Object.entries((params as z.ZodObject).shape) : undefined;
    expect(pathParams).toEqual(
      named
        ? named.map(([name, schema]) => ({ name, in: 'path', required: true, schema: expected(schema as z.ZodType) }))
        : params
          ? [{ name: 'id', in: 'path', required: true, schema: idSchema }]
          : [],
    );

    const role = ['node', 'viewer', 'operator', 'admin'].includes(route.auth) ? route.auth : undefined;
    expect(op!['x-required-role']).toBe(role);

    const responses = op!.responses as Record<string, Json>;
    const statuses = [
      ...Object.keys(route.responses),
      ...[...problemCodesByStatus(route).keys()].map(String),
    ];
    expect(Object.keys(responses).sort()).toEqual(statuses.sort());
  });
});
