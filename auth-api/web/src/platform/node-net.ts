/**
 * `isIPv4` / `isIPv6` of `node:net` for the browser build (vite aliases `node:net` here), so the
 * shared zod schemas validate addresses in forms exactly as the API does. The expressions are
 * Node's own (lib/internal/net.js).
 */
const v4Segment = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const v4String = `(?:${v4Segment}\\.){3}${v4Segment}`;
const IPV4 = new RegExp(`^${v4String}$`);

const v6Segment = '(?:[0-9a-fA-F]{1,4})';
const IPV6 = new RegExp(
  '^(?:' +
    `(?:${v6Segment}:){7}(?:${v6Segment}|:)|` +
    `(?:${v6Segment}:){6}(?:${v4String}|:${v6Segment}|:)|` +
    `(?:${v6Segment}:){5}(?::${v4String}|(?::${v6Segment}){1,2}|:)|` +
    `(?:${v6Segment}:){4}(?:(?::${v6Segment}){0,1}:${v4String}|(?::${v6Segment}){1,3}|:)|` +
    `(?:${v6Segment}:){3}(?:(?::${v6Segment}){0,2}:${v4String}|(?::${v6Segment}){1,4}|:)|` +
    `(?:${v6Segment}:){2}(?:(?::${v6Segment}){0,3}:${v4String}|(?::${v6Segment}){1,5}|:)|` +
    `(?:${v6Segment}:){1}(?:(?::${v6Segment}){0,4}:${v4String}|(?::${v6Segment}){1,6}|:)|` +
    `(?::(?:(?::${v6Segment}){0,5}:${v4String}|(?::${v6Segment}){1,7}|:))` +
    ')(?:%[0-9a-zA-Z-.:]{1,})?$',
);

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

export function isIPv6(value: string): boolean {
  return IPV6.test(value);
}

export function isIP(value: string): 0 | 4 | 6 {
  if (isIPv4(value)) return 4;
  if (isIPv6(value)) return 6;
  return 0;
}
