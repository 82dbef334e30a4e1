import { describe, expect, it } from 'vitest';
import { agentConfigProblem } from './agent-config.js';

const valid = {
  version: 1,
  api_url: 'https://wirefleet.example.com',
  gateway_url: 'wss://wirefleet.example.com/ws',
  node_id: 7,
  name: 'edge-1',
  network_cidr: '100.96.0.0/16',
  tunnel_ip: '100.96.0.7',
  interface: 'wf0',
  listen_port: 51820,
  backend: 'linux',
  wireguard_public_key: Buffer.alloc(32, 7).toString('base64'),
};

describe('agentConfigProblem (agent.json)', () => {
  it('accepts a config as enroll writes it', () => {
    expect(agentConfigProblem(valid)).toBeUndefined();
  });

  it.each([
    ['version', 2],
    ['api_url', 'ftp://x'],
    ['api_url', 'http://has space'],
    ['gateway_url', 'https://not-ws'],
    ['node_id', 0],
    ['node_id', 1.5],
    ['name', ''],
    ['name', 'n'.repeat(64)],
    ['network_cidr', '100.96.0.0'],
    ['network_cidr', '999.96.0.0/16'],
    ['network_cidr', '100.96.0.0/33'],
    ['network_cidr', 'fd00::/64'],
    ['tunnel_ip', 'fd00::1'],
    ['tunnel_ip', '100.96.0'],
    ['tunnel_ip', '100.96.0.256'],
    ['interface', 'wf 0'],
    ['listen_port', 65536],
    ['backend', 'kernel'],
    ['wireguard_public_key', undefined],
    ['wireguard_public_key', 'x'],
    ['wireguard_public_key', Buffer.alloc(31).toString('base64')],
  ])('names the field when %s is %j', (field, value) => {
    expect(agentConfigProblem({ ...valid, [field]: value })).toMatch(new RegExp(`^${field}: expected `));
  });

  it('takes an optional ca_file, an absolute path', () => {
    expect(agentConfigProblem({ ...valid, ca_file: '/etc/wirefleet/ca.pem' })).toBeUndefined();
    expect(agentConfigProblem({ ...valid, ca_file: 'ca.pem' })).toBe(
      'ca_file: expected an absolute path to a PEM file',
    );
    expect(agentConfigProblem({ ...valid, ca_file: 7 })).toBe(
      'ca_file: expected an absolute path to a PEM file',
    );
  });

  it('refuses unknown fields and what is not an object', () => {
    expect(agentConfigProblem({ ...valid, private_key: 'x' })).toBe('(file): unknown field(s) private_key');
    expect(agentConfigProblem([])).toBe('(file): expected a JSON object');
  });
});
