import { idParams, uuidParams } from '@wirefleet/shared/schemas';
import { z } from 'zod';
import type { ResponseSpec, RouteDefinition } from '../http/routes/route-definition.js';
import { responseRegistry } from './responses/registry.js';
import type { RouteSpec } from './route-spec.js';

/**
 * While routes move from the hand-kept catalogue to their routers' definitions, the routes not
 * yet moved are documented from the catalogue, seen as definitions. Goes with the catalogue.
 */
function bodySchema(schema: NonNullable<RouteSpec['success']['schema']>): z.ZodType {
  if (schema instanceof z.ZodType) return schema;
  if (schema.type === 'string') return z.string();
  const object = z.looseObject({});
  responseRegistry.add(object, { description: String(schema.description ?? '') });
  return object;
}

export function fromCatalogue(spec: RouteSpec): RouteDefinition {
  const { success } = spec;
  const response: ResponseSpec = { description: success.description };
  if (success.schema) response.schema = bodySchema(success.schema);
  if (success.contentType) response.contentType = success.contentType;
  if (success.headers) response.headers = success.headers;
  const params = spec.params?.id === 'uuid' ? uuidParams : spec.params ? idParams : undefined;
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    auth: spec.auth,
    request: {
      ...(params ? { params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: spec.body } : {}),
    },
    responses: { [success.status]: response },
    errors: spec.errors,
    handler() {
      throw new Error(`${spec.method} ${spec.path} is served by its router, not from the catalogue`);
    },
  };
}
