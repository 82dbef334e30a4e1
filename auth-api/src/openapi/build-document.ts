import { strictId, uuidId } from '@wirefleet/shared/schemas';
import { z } from 'zod';
import type { ResponseSpec, RouteDefinition } from '../platform/http/routes/route-definition.js';
import type { JsonSchema } from './json-schema.js';
import { errorResponses, problemSchema } from './problem-responses.js';
import { responseRegistry } from './responses/registry.js';
import { TAGS } from './tags.js';

export interface OpenApiOptions {
  /** Absolute base URL; without it the document's server is `/`, relative to where it was fetched. */
  serverUrl?: string;
  version: string;
}

export type OpenApiDocument = JsonSchema;

const COMPONENT_PREFIX = '#/components/schemas/';

/**
 * Inside an OpenAPI 3.1 document a schema is a 2020-12 dialect subschema: a per-schema
 * `$schema` is noise, and the `$id` zod gives registry components is a fragment, which
 * 2020-12 forbids in `$id`. Both go.
 */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** A request schema as clients send it: `io: 'input'`, so defaulted fields are optional. */
export function requestSchema(schema: z.ZodType): JsonSchema {
  return embedded(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as JsonSchema);
}

function responseSchema(schema: z.ZodType): JsonSchema {
  const id = responseRegistry.get(schema)?.id;
  if (id !== undefined) return { $ref: COMPONENT_PREFIX + id };
  // Inline: small bodies that are no component (Prometheus text, this document itself).
  return embedded(
    z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: 'output',
      metadata: responseRegistry,
    }) as JsonSchema,
  );
}

function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(responseRegistry, {
    target: 'draft-2020-12',
    io: 'output',
    metadata: responseRegistry,
    uri: (id) => COMPONENT_PREFIX + id,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => [id, embedded(schema as JsonSchema)]),
  );
}

/**
 * Path ids travel as text and are validated as text (one spelling per id), but a client sees
 * them as what they name: a positive integer, or a UUID.
 */
const PATH_ID_SCHEMAS = new Map<z.ZodType, JsonSchema>([
  [strictId, { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }],
  [uuidId, { type: 'string', format: 'uuid' }],
]);

function objectProperties(schema: z.ZodType | undefined): Array<[string, JsonSchema, boolean]> {
  if (!schema) return [];
  const rendered = requestSchema(schema);
  const properties = (rendered.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((rendered.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => [name, property, required.has(name)]);
}

function pathParameters(schema: z.ZodType | undefined): JsonSchema[] {
  if (!schema) return [];
  if (!(schema instanceof z.ZodObject)) throw new Error('path parameters must be declared as a z.object');
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, property]) => ({
    name,
    in: 'path',
    required: true,
    schema: PATH_ID_SCHEMAS.get(property) ?? requestSchema(property),
  }));
}

function parameters(route: RouteDefinition): JsonSchema[] {
  const fromQuery = objectProperties(route.request?.query).map(([name, schema, required]) => ({
    name,
    in: 'query',
    required,
    schema,
  }));
  return [...pathParameters(route.request?.params), ...fromQuery];
}

function authDescription(route: RouteDefinition): string | undefined {
  switch (route.auth) {
    case 'none':
      return undefined;
    case 'any':
      return 'Requires a valid access token (user or node).';
    case 'node':
      return 'Requires a node access token.';
    case 'admin':
      return 'Requires a user access token with role `admin`.';
    default:
      return `Requires a user access token with role \`${route.auth}\` or higher (admin ⊃ operator ⊃ viewer).`;
  }
}

function successResponse(success: ResponseSpec): JsonSchema {
  const response: JsonSchema = { description: success.description };
  if (success.schema)
    response.content = {
      [success.contentType ?? 'application/json']: { schema: responseSchema(success.schema) },
    };
  if (success.headers) {
    response.headers = Object.fromEntries(
      Object.entries(success.headers).map(([name, description]) => [
        name,
        { description, schema: { type: 'string' } },
      ]),
    );
  }
  return response;
}

function successResponses(route: RouteDefinition): Record<string, JsonSchema> {
  const entries = Object.entries(route.responses) as Array<[string, ResponseSpec]>;
  if (entries.length === 0) throw new Error(`${route.method} ${route.path} declares no success response`);
  return Object.fromEntries(entries.map(([status, spec]) => [status, successResponse(spec)]));
}

function operation(route: RouteDefinition): JsonSchema {
  const description = [route.description, authDescription(route)].filter(Boolean).join('\n\n');
  const op: JsonSchema = {
    operationId: route.operationId,
    summary: route.summary,
    ...(description ? { description } : {}),
    tags: [...route.tags],
    // An empty list overrides the document-wide default: public routes take no token.
    security: route.auth === 'none' ? [] : [{ bearer: [] }],
  };
  if (
    route.auth === 'node' ||
    route.auth === 'viewer' ||
    route.auth === 'operator' ||
    route.auth === 'admin'
  ) {
    op['x-required-role'] = route.auth;
  }
  const params = parameters(route);
  if (params.length > 0) op.parameters = params;
  const body = route.request?.body;
  if (body) {
    op.requestBody = {
      // parseBody treats a missing body as `{}`, so a body is required only when `{}` fails.
      required: !body.safeParse({}).success,
      content: { 'application/json': { schema: requestSchema(body) } },
    };
  }
  op.responses = { ...successResponses(route), ...errorResponses(route) };
  return op;
}

function build(routes: readonly RouteDefinition[], options: OpenApiOptions): OpenApiDocument {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    const item = paths[route.path]!;
    if (item[route.method]) throw new Error(`${route.method} ${route.path} is registered twice`);
    item[route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Wirefleet auth-api',
      version: options.version,
      description:
        'Identity and fleet control plane for WireGuard fleets. Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`.',
    },
    servers: [{ url: options.serverUrl ?? '/' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token from /v1/auth/login, /v1/auth/refresh or /v1/nodes/token.',
        },
      },
      schemas: { Problem: problemSchema, ...componentSchemas() },
    },
  };
}

const cache = new WeakMap<readonly RouteDefinition[], Map<string, OpenApiDocument>>();

/**
 * The OpenAPI 3.1 document for `routes`, the route definitions the app registers. Built once
 * per route list and option set (definitions are static) and frozen, since every caller shares
 * the cached object.
 */
export function buildOpenApiDocument(
  routes: readonly RouteDefinition[],
  options: OpenApiOptions,
): OpenApiDocument {
  const key = JSON.stringify([options.serverUrl ?? null, options.version]);
  let documents = cache.get(routes);
  if (!documents) {
    documents = new Map();
    cache.set(routes, documents);
  }
  let document = documents.get(key);
  if (!document) {
    document = deepFreeze(build(routes, options));
    documents.set(key, document);
  }
  return document;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
