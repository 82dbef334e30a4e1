import fc from 'fast-check';

/**
 * Shared fast-check arbitraries for the renderers' property tests: every field is either a
 * valid value or something hostile (random text, binary, or a valid value with an injection
 * attempt glued on), so the tests cover "throws" and "renders exactly the template" alike.
 */
const INJECTIONS = ['"', ';', '\n', '{', '}', '\r', ' ', '\u0000', '=', '/', ':', '[', '\\'];
const injection = fc.constantFrom(...INJECTIONS, '"; flush ruleset; "', '\nremove=true', '\n}\ntable ip x {');

const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', 'wg0 ', '-1', '1e3', '0x1f', '1.2.3.4/33', '::1%eth0', '01.2.3.4'),
);

function withHostile<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<T | string> {
  const glued = fc
    .tuple(valid, injection, fc.boolean())
    .map(([value, bad, before]) => (before ? `${bad}${String(value)}` : `${String(value)}${bad}`));
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: hostileText },
    { weight: 1, arbitrary: glued },
  );
}

const validInterfaceName = fc.stringMatching(/^[A-Za-z0-9_=+.-]{1,15}$/);
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const port = fc.integer({ min: 1, max: 65535 });
const key = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('base64'));
const cidr = fc.oneof(
  fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([ip, len]) => `${ip}/${len}`),
  fc.tuple(ipv6, fc.integer({ min: 0, max: 128 })).map(([ip, len]) => `${ip}/${len}`),
);
const endpoint = fc.oneof(
  fc.tuple(ipv4, port).map(([ip, p]) => `${ip}:${p}`),
  fc.tuple(ipv6, port).map(([ip, p]) => `[${ip}]:${p}`),
);

/** Numbers that are sometimes out of range, fractional or not numbers at all. */
function hostileNumber(valid: fc.Arbitrary<number>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), hostileText) },
  );
}

const ipv4Cidr = fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([ip, len]) => `${ip}/${len}`);
const portRange = fc.tuple(port, port).map(([a, b]): [number, number] => [Math.min(a, b), Math.max(a, b)]);
const filterProtocol = fc.constantFrom('tcp' as const, 'udp' as const, 'icmp' as const, 'any' as const);

/** A filter entry the renderer must accept: IPv4 CIDRs, ports only with tcp and udp, low ≤ high. */
const validFilterEntry = fc
  .record(
    {
      from: fc.array(ipv4Cidr, { minLength: 1, maxLength: 4 }),
      to: fc.array(ipv4Cidr, { minLength: 1, maxLength: 3 }),
      proto: filterProtocol,
      ports: fc.array(portRange, { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: ['from', 'proto'] },
  )
  .map((entry) => {
    if (entry.proto === 'tcp' || entry.proto === 'udp') return entry;
    const { ports: _ports, ...rest } = entry;
    return rest;
  });

/** Every field of an entry valid or hostile: IPv6 and host names too, ports out of order or range. */
const hostileFilterEntry = fc.record(
  {
    from: fc.oneof(
      fc.array(withHostile(ipv4Cidr), { minLength: 1, maxLength: 3 }),
      hostileText,
      fc.constant([]),
    ),
    to: fc.array(withHostile(fc.oneof(ipv4Cidr, cidr)), { minLength: 1, maxLength: 3 }),
    proto: withHostile(filterProtocol),
    ports: fc.array(fc.tuple(hostileNumber(port), hostileNumber(port)), { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['from', 'proto'] },
);

export const arb = {
  interfaceName: withHostile(validInterfaceName),
  ip: withHostile(fc.oneof(ipv4, ipv6)),
  cidr: withHostile(cidr),
  key: withHostile(key),
  endpoint: withHostile(endpoint),
  protocol: withHostile(fc.constantFrom('tcp', 'udp')),
  port: hostileNumber(port),
  /**
   * A listen port and forward public ports drawn from the same few values half of the time, so
   * a udp forward on the WireGuard listen port (which must throw) comes up in every run.
   */
  listenPort: hostileNumber(fc.oneof(port, fc.constantFrom(51820, 51821))),
  forwardPort: hostileNumber(fc.oneof(port, fc.constantFrom(51820, 51821))),
  keepalive: hostileNumber(fc.integer({ min: 0, max: 65535 })),
  validFilter: fc.record({ inbound: fc.array(validFilterEntry, { maxLength: 6 }) }),
  hostileFilter: fc.record({
    inbound: fc.array(fc.oneof({ weight: 3, arbitrary: validFilterEntry }, hostileFilterEntry), {
      maxLength: 4,
    }),
  }),
};

/** Counts occurrences of `needle` in `text`. */
export function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
