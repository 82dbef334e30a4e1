import { ConfigError } from '@wirefleet/shared/config';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('gateway configuration: rooms per connection and write delay', () => {
  it('defaults to 200 rooms per connection and write delays of up to 50 ms from 100,000 deliveries/s', () => {
    const config = loadGatewayConfig({});
    expect(config.maxRoomsPerConnection).toBe(200);
    expect(config.writeDelay).toEqual({ delayMs: 50, aboveRate: 100_000 });
  });

  it('takes whole numbers in range', () => {
    const config = loadGatewayConfig({
      GATEWAY_MAX_ROOMS_PER_CONNECTION: '3',
      GATEWAY_WRITE_DELAY_MS: '10',
      GATEWAY_WRITE_DELAY_ABOVE_RATE: '0',
    });
    expect(config).toMatchObject({ maxRoomsPerConnection: 3, writeDelay: { delayMs: 10, aboveRate: 0 } });
  });

  it.each([
    ['GATEWAY_MAX_ROOMS_PER_CONNECTION', '0'],
    ['GATEWAY_MAX_ROOMS_PER_CONNECTION', 'many'],
    ['GATEWAY_WRITE_DELAY_MS', '-1'],
    ['GATEWAY_WRITE_DELAY_MS', '1001'],
    ['GATEWAY_WRITE_DELAY_MS', '2.5'],
    ['GATEWAY_WRITE_DELAY_ABOVE_RATE', '-5'],
    ['GATEWAY_WRITE_DELAY_ABOVE_RATE', 'lots'],
  ])('refuses %s=%s, naming the variable and the value', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: .*\\(got "${value.replace('.', '\\.')}"\\)$`));
  });
});

describe('gateway configuration: ALLOWED_ORIGINS', () => {
  it('takes exact origins, normalised as browsers send them', () => {
    const config = loadGatewayConfig({
      ALLOWED_ORIGINS: 'https://Dashboard.example.com/, http://127.0.0.1:5173',
    });
    expect(config.allowedOrigins).toEqual(['https://dashboard.example.com', 'http://127.0.0.1:5173']);
  });

  it('refuses an entry that is not an origin, naming the variable and the entry', () => {
    expect(problemsOf({ ALLOWED_ORIGINS: 'not a url' })).toEqual([
      'ALLOWED_ORIGINS: "not a url" is not an origin; expected scheme://host[:port], ' +
        'e.g. https://dashboard.example.com (got "not a url")',
    ]);
  });
});
