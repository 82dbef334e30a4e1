import { idParams, listQuery, policyCheckRequest, policyDocument } from '@wirefleet/shared/schemas';
import { policyCheck, policyState, policyUpdate, policyVersion, policyVersionPage } from '../../openapi/responses/policy.js';
import { claimsOf } from '../../platform/http/authenticate.js';
import { clientIp } from '../../platform/http/client-ip.js';
import { decodeCursor, page } from '../../platform/http/pagination.js';
import { type RouteDefinition, routeDefiner, } from '../../platform/http/routes/index.js';
import type { PolicyService } from './policy-service.js';

const route = routeDefiner<PolicyService>();

export const policyRouteDefinitions: readonly RouteDefinition<PolicyService>[] = [
  route({
    method: 'get',
    path: '/v1/policy',
    operationId: 'getPolicy',
    summary: 'The access policy in force',
    tags: ['policy'],
    auth: 'viewer',
    responses: { 200: { description: 'The policy, its version, and who set it when.', schema: policyState } },
    errors: [],
    async handler({ res, deps: policy }) {
      res.json(await policy.get());
    },
  }),
  route({
    method: 'put',
    path: '/v1/policy',
    operationId: 'putPolicy',
    summary: 'Set a new version of the access policy',
    description:
      'Validated, and its `tests` run against the fleet as it is; a problem or a failing test is a 400 `invalid_policy` listing each with its path, and nothing changes. Only nodes whose peers or filter change get a new configuration revision. Reverting is `PUT`ting an old version.',
    tags: ['policy'],
    auth: 'admin',
    request: { body: policyDocument },
    bodyErrorCode: 'invalid_policy',
    responses: { 200: { description: 'The new version.', schema: policyUpdate } },
    errors: ['invalid_policy'],
    async handler({ body, req, res, deps: policy }) {
      res.json(await policy.put(body, claimsOf(req).sub, clientIp(req)));
    },
  }),
  route({
    method: 'get',
    path: '/v1/policy/versions',
    operationId: 'listPolicyVersions',
    summary: 'Every version of the access policy, newest first',
    tags: ['policy'],
    auth: 'viewer',
    request: { query: listQuery },
    responses: { 200: { description: 'A page of versions.', schema: policyVersionPage } },
    errors: [],
    async handler({ query, res, deps: policy }) {
      res.json(page(await policy.versions(decodeCursor(query.cursor), query.limit), query.limit));
    },
  }),
  route({
    method: 'get',
    path: '/v1/policy/versions/{id}',
    operationId: 'getPolicyVersion',
    summary: 'One version of the access policy',
    tags: ['policy'],
    auth: 'viewer',
    request: { params: idParams },
    responses: { 200: { description: 'The version.', schema: policyVersion } },
    errors: ['not_found'],
    async handler({ params, res, deps: policy }) {
      res.json(await policy.version(params.id));
    },
  }),
  route({
    method: 'post',
    path: '/v1/policy/check',
    operationId: 'checkPolicy',
    summary: 'Would this connection be allowed?',
    description: 'Answers for the policy in force and the fleet as it is, with the rule (or port forward) that allows it.',
    tags: ['policy'],
    auth: 'viewer',
    request: { body: policyCheckRequest },
    responses: { 200: { description: 'Allow or deny, and why.', schema: policyCheck } },
    errors: ['not_found'],
    async handler({ body, res, deps: policy }) {
      res.json(await policy.check(body));
    },
  }),
];
