import { errorCatalogue } from '@wirefleet/shared/errors';
import { describe, expect, it } from 'vitest';
import { ApiError, describeError } from './api-error.js';

describe('describeError: failures in words', () => {
  it('uses the dashboard’s words for common codes and the catalogue title for the rest', () => {
    expect(describeError(new ApiError(401, 'invalid_credentials', 'Invalid username or password'))).toBe('Wrong username or password.');
    expect(describeError(new ApiError(413, 'payload_too_large', undefined))).toBe(`${errorCatalogue.payload_too_large.title}.`);
  });

  it('adds field errors and the wait of a rate limit', () => {
    const invalid = new ApiError(400, 'invalid_request', 'bad', [{ path: 'public_port', message: 'a port is 1-65535' }]);
    expect(describeError(invalid)).toBe('The request is invalid. public_port: a port is 1-65535');
    expect(describeError(new ApiError(429, 'rate_limited', undefined, [], 30))).toBe('Too many requests. Try again in 30 s.');
  });

  it('adds a 4xx detail, never a 5xx one; a network failure says so', () => {
    expect(describeError(new ApiError(409, 'conflict', 'this node already forwards that protocol and public port'))).toContain('(this node already forwards');
    expect(describeError(new ApiError(500, 'internal_error', 'stack at x'))).toBe('Something went wrong on the server.');
    expect(describeError(new TypeError('Failed to fetch'))).toMatch(/cannot be reached/);
  });
});
