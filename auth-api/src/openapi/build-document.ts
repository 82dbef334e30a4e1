import { z } from 'zod';
import { errorResponses, problemSchema } from './problem-responses.js';
import { responseRegistry } from './responses/registry.js';
import { routeCatalogue } from './route-catalogue.js';
import { type JsonSchema, type ParamKind, type RouteSpec, type SuccessSpec, TAGS } from './route-spec.js';

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

function responseSchema(schema: SuccessSpec['schema']): JsonSchema | undefined {
  if (!(schema instanceof z.ZodType)) return schema;
  const id = responseRegistry.get(schema)?.id;
  // Converting an unregistered schema inline would duplicate any component it contains.
  if (id === undefined)
    throw new Error('a zod response schema must be registered as a component (responses/registry.ts)');
  return { $ref: COMPONENT_PREFIX + id };
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

const PARAM_SCHEMAS: Record<ParamKind, JsonSchema> = {
  integer: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  uuid: { type: 'string', format: 'uuid' },
};

function parameters(route: RouteSpec): JsonSchema[] {
  const path = Object.entries(route.params ?? {}).map(([name, kind]) => ({
    name,
    in: 'path',
    required: true,
    schema: PARAM_SCHEMAS[kind],
  }));
  const query = route.query ? requestSchema(route.query) : {};
  const properties = (query.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((query.required ?? []) as string[]);
  const fromQuery = Object.entries(properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema,
  }));
  return [...path, ...fromQuery];
}

function authDescription(route: RouteSpec): string | undefined {
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

function successResponse(success: SuccessSpec): JsonSchema {
  const response: JsonSchema = { description: success.description };
  const schema = responseSchema(success.schema);
  if (schema) response.content = { [success.contentType ?? 'application/json']: { schema } };
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

function operation(route: RouteSpec): JsonSchema {
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
  if (route.body) {
    op.requestBody = {
      // parseBody treats a missing body as `{}`, so a body is required only when `{}` fails.
      required: !route.body.safeParse({}).success,
      content: { 'application/json': { schema: requestSchema(route.body) } },
    };
  }
  op.responses = { [String(route.success.status)]: successResponse(route.success), ...errorResponses(route) };
  return op;
}

function build(options: OpenApiOptions): OpenApiDocument {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routeCatalogue) {
    paths[route.path] ??= {};
    const item = paths[route.path]!;
    if (item[route.method]) throw new Error(`route catalogue lists ${route.method} ${route.path} twice`);
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

const cache = new Map<string, OpenApiDocument>();

/**
 * The OpenAPI 3.1 document for every route in the catalogue. Built once per option set (the
 * catalogue is static) and frozen, since every caller shares the cached object.
 */
export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const key = JSON.stringify([options.serverUrl ?? null, options.version]);
  let document = cache.get(key);
  if (!document) {
    document = deepFreeze(build(options));
    cache.set(key, document);
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
