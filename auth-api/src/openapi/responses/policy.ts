import { policyDocument, policyIssue } from '@wirefleet/shared/schemas';
import { z } from 'zod';
import { component, count, numericId, page, resource, timestamp } from './registry.js';

const issues = z.array(policyIssue);

export const policyState = component(
  'Policy',
  'The access policy in force: version 0 and `policy: null` until one is set (everything may reach everything).',
  resource({
    policy: policyDocument.nullable(),
    version: count(),
    updated_at: timestamp().nullable(),
    updated_by: z.string().nullable(),
  }),
);

export const policyUpdate = component(
  'PolicyUpdate',
  'The stored version, warnings about the document (unknown tags), and how many nodes got a new configuration.',
  resource({ version: numericId(), warnings: issues, nodes_updated: count() }),
);

export const policyVersion = component(
  'PolicyVersion',
  'One stored version of the policy; `id` is the version number.',
  resource({
    id: numericId(),
    version: numericId(),
    rules: policyDocument.shape.rules,
    tests: policyDocument.shape.tests,
    created_at: timestamp(),
    created_by: z.string(),
  }),
);
export const policyVersionPage = page('PolicyVersion', policyVersion);

export const policyCheck = component(
  'PolicyCheck',
  'Whether the connection would be allowed, and what decided it: the first allowing rule (`rule_index`), a port forward, no policy set, or no rule.',
  resource({
    allow: z.boolean(),
    rule_index: count().optional(),
    reason: z.enum(['rule', 'port_forward', 'no_policy', 'no_rule']),
  }),
);
