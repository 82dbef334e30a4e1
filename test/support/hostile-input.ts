import { clientFrame, nodeEventSchemas } from '@wirefleet/shared/protocol';
import fc from 'fast-check';
import { z } from 'zod';

/**
 * Generators of hostile input for the fuzz suites (test/fuzz/): JSON values as an attacker
 * would write them, request bodies and gateway frames derived from the contract's own zod
 * schemas, and raw garbage. Everything is plain data, so fast-check can print, shrink and replay
 * each case from its seed.
 */

/**
 * A JSON fragment written verbatim: numbers `JSON.stringify` cannot produce (`1e400` parses to
 * Infinity, `-0`, thirty digits), nesting thousands of levels deep.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A JSON value. Objects are Maps, so `__proto__` and `constructor` are ordinary keys, as in a parsed body. */
export type JsonModel = null | boolean | number | string | RawJson | JsonModel[] | Map<string, JsonModel>;

export function toJsonText(value: JsonModel): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value instanceof Map) {
    return `{${[...value].map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Characters that break naive code: NUL and controls, separators, invisible and bidi marks, lone surrogates. */
// biome-ignore format: a list, packed by kind
const SPECIAL_CHARACTERS = [
  '\u0000', '\u0001', '\u0008', '\u001b', '\u001f', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029',
  '\u200b', '\u200d', '\u202e', '\ufeff', '\ufffd', '\uffff', '\ud800', '\udfff', '\ud83d\ude00', ' ',
  '\t', '\n', '\r', '"', '\\', '/', '%', "'", '`', ';', '|', '&', '$', '{', '}', '<', '>', 'e\u0301',
  '\u0130', '\u212a', '\uff10', '\u0430',
];

// biome-ignore format: a list, packed by kind
const NOTABLE_STRINGS = [
  '', ' ', 'null', 'undefined', 'NaN', 'true', '0', '-1', '1e400', '__proto__', 'constructor', 'prototype',
  'admin', 'fleet', 'node:1', 'user:1', "' OR '1'='1", '"; DROP TABLE users; --', '%s%s%s%n', '%00', '%ZZ',
  '../../etc/passwd', '..\\..\\windows', `$${'{'}jndi:ldap://127.0.0.1/x}`, '{{7*7}}',
  '<script>alert(1)</script>', '\r\nSet-Cookie: x=1', 'a\u0000b', '\ud800', 'ｆｌｅｅｔ', '\u202efleet',
  'fleet\n', ' fleet',
];

const SIMPLE_CHARACTERS = 'abcdxyz0129:-_.AZ';
/** The i-th of 1,100 code points spread over all of Unicode, surrogates skipped. */
function spreadCodePoint(i: number): string {
  const point = (i * 1_013) % (0x110000 - 0x800);
  return String.fromCodePoint(point < 0xd800 ? point : point + 0x800);
}

/** One UTF-16 unit or code point: mostly plain, often special, sometimes a lone surrogate (one lookup, no nesting: cheap). */
const hostileUnit = fc.mapToConstant(
  { num: 4_000, build: (i) => SIMPLE_CHARACTERS[i % SIMPLE_CHARACTERS.length]! },
  { num: 2_000, build: (i) => SPECIAL_CHARACTERS[i % SPECIAL_CHARACTERS.length]! },
  // Entries stay few: fast-check builds a reverse map of every one.
  { num: 1_100, build: spreadCodePoint },
  { num: 600, build: (i) => String.fromCharCode(0xd800 + ((i * 7) % 0x800)) },
);

/** Long strings: mostly a few KiB, sometimes past the 64 KiB body and frame limits. */
const hugeString = fc
  .tuple(
    fc.constantFrom('a', '\u00e9', '\ud83d\ude00', '\u0000', ' ', '"', '\\'),
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 65, max: 4096 }) },
      { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 140_000 }) },
    ),
  )
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 14, arbitrary: fc.string({ unit: hostileUnit, maxLength: 48 }) },
  { weight: 4, arbitrary: fc.constantFrom(...NOTABLE_STRINGS) },
  { weight: 1, arbitrary: hugeString },
);

/** Object keys: prototype-pollution names first, then anything. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'then',
];
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'type', 'id', 'room', 'data', 'admin', 'role') },
  { weight: 3, arbitrary: fc.string({ unit: hostileUnit, maxLength: 16 }) },
);

// biome-ignore format: a list, packed
const NOTABLE_NUMBERS = [
  0, 1, -1, 65_535, 65_536, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e21, 0.5, 1.5, Number.MIN_VALUE,
  Number.MAX_VALUE,
];

export const hostileNumber: fc.Arbitrary<JsonModel> = fc.oneof(
  fc.integer(),
  fc.constantFrom(...NOTABLE_NUMBERS),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc
    .constantFrom('1e400', '-1e400', '-0', '1.0', '1e2', '123456789012345678901234567890', '1e-400', '0.1e1')
    .map((text) => new RawJson(text)),
);

/** Nesting far deeper than any schema allows: JSON parsers cope, recursive code may not. */
export const deepNesting: fc.Arbitrary<RawJson> = fc
  .tuple(
    fc.constantFrom('[', '{"a":'),
    fc.oneof(
      { weight: 2, arbitrary: fc.integer({ min: 64, max: 1_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 30_000 }) },
    ),
  )
  .map(([open, depth]) =>
    // 30,000 levels of arrays or 10,000 of objects still fit the 64 KiB limits.
    open === '['
      ? new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`)
      : new RawJson(`${open.repeat(Math.min(depth, 10_000))}1${'}'.repeat(Math.min(depth, 10_000))}`),
  );

/** Objects that would pollute `Object.prototype` if a parser or merge were careless. */
const pollution: fc.Arbitrary<JsonModel> = fc.constantFrom(
  new Map<string, JsonModel>([['__proto__', new Map([['polluted', 'yes']])]]),
  new Map<string, JsonModel>([['constructor', new Map([['prototype', new Map([['polluted', 'yes']])]])]]),
  new Map<string, JsonModel>([
    [
      '__proto__',
      new Map<string, JsonModel>([
        ['isAdmin', true],
        ['role', 'admin'],
      ]),
    ],
  ]),
);

/** Any JSON value, biased to the nasty ones, a few levels deep. */
export const hostileValue: fc.Arbitrary<JsonModel> = fc.letrec<{
  value: JsonModel;
  array: JsonModel[];
  object: Map<string, JsonModel>;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    { weight: 4, arbitrary: fc.constantFrom<JsonModel>(null, true, false) },
    { weight: 8, arbitrary: hostileNumber },
    { weight: 12, arbitrary: hostileString },
    { weight: 1, arbitrary: deepNesting },
    { weight: 2, arbitrary: pollution },
    { weight: 4, arbitrary: tie('array') },
    { weight: 4, arbitrary: tie('object') },
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
})).value;

// biome-ignore format: a list, packed
const GARBAGE_TEXTS = [
  '{', '}', '[', '{"a":}', '{"a" 1}', "{'a':1}", '{"a":1,}', 'NaN', 'undefined', '\ufeff{}', '{}{}',
  '{"a":1}x', '/* c */{}', '{"a":"\u0000"}', '"\\ud800"', '{"\\u0000":1}', '{"a":"\\x41"}', '[1,]', '01',
  '+1', '.5', 'tru',
];

/** Text that is not JSON, or not the JSON a strict parser accepts. */
export const garbageText: fc.Arbitrary<string> = fc.oneof(hostileString, fc.constantFrom(...GARBAGE_TEXTS));

/** One edit of a text: a frame or body cut short or with bytes slipped in. */
export type TextEdit =
  | { op: 'none' }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string };

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 9, arbitrary: fc.constant<TextEdit>({ op: 'none' }) },
  { weight: 1, arbitrary: fc.nat().map((at): TextEdit => ({ op: 'truncate', at })) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.string({ unit: hostileUnit, minLength: 1, maxLength: 4 }),
    }),
  },
);

export function applyEdit(text: string, edit: TextEdit): string {
  if (edit.op === 'none' || text.length === 0) return text;
  const at = edit.at % text.length;
  return edit.op === 'truncate' ? text.slice(0, at) : text.slice(0, at) + edit.text + text.slice(at);
}

/** Bytes that are not UTF-8: a stray continuation byte, overlong forms, an encoded surrogate, a cut sequence. */
export const invalidUtf8: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.string({ maxLength: 24 }),
    fc.constantFrom(
      [0xff],
      [0x80],
      [0xc0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xc3],
    ),
    fc.string({ maxLength: 24 }),
  )
  .map(([before, bad, after]) => Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]));

// ---------------------------------------------------------------------------------------------
// Values shaped by a schema: valid ones, to reach the code behind validation, and near-valid ones
// (a field swapped for a hostile value, a required one dropped, a key added) to probe its edges.

/** Valid-looking values for fields whose shape zod checks in code (a refine) rather than in JSON Schema. */
export type FieldValues = Record<string, fc.Arbitrary<JsonModel>>;

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  enum?: JsonModel[];
  const?: JsonModel;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
}

function stringFor(node: SchemaNode): fc.Arbitrary<string> {
  if (node.pattern) {
    try {
      return fc.stringMatching(new RegExp(node.pattern));
    } catch {
      // fast-check cannot generate from every regex (lookaheads): fall back to any short string.
    }
  }
  const minLength = node.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(node.maxLength ?? 24, 64)) });
}

function validFor(node: SchemaNode, name: string, fields: FieldValues): fc.Arbitrary<JsonModel> {
  const field = fields[name];
  if (field) return field;
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives)
    return fc.oneof(...alternatives.map((alternative) => validFor(alternative, name, fields)));
  if (node.const !== undefined) return fc.constant(node.const);
  if (node.enum) return fc.constantFrom(...node.enum);
  switch (node.type) {
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'integer':
      return fc.integer({
        min: Math.max(node.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER),
        max: Math.min(node.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({ min: node.minimum ?? -1e6, max: node.maximum ?? 1e6, noNaN: true });
    case 'string':
      return stringFor(node);
    case 'array': {
      const minLength = node.minItems ?? 0;
      return fc.array(validFor(node.items ?? {}, name, fields), {
        minLength,
        maxLength: Math.max(minLength, Math.min(node.maxItems ?? 4, 4)),
      });
    }
    case 'object':
      return objectFor(node, fields, 'valid');
    default:
      return hostileValue;
  }
}

function objectFor(node: SchemaNode, fields: FieldValues, mode: 'valid' | 'near'): fc.Arbitrary<JsonModel> {
  const required = new Set(node.required ?? []);
  const properties = Object.entries(node.properties ?? {}).map(([key, child]) => {
    const valid = validFor(child, key, fields);
    const value =
      mode === 'valid'
        ? valid
        : fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: hostileValue });
    const presence =
      mode === 'valid' && required.has(key)
        ? fc.constant(true)
        : fc.oneof(
            { weight: required.has(key) ? 12 : 1, arbitrary: fc.constant(true) },
            { weight: 1, arbitrary: fc.constant(false) },
          );
    return fc
      .tuple(presence, value)
      .map(([present, item]): Array<[string, JsonModel]> => (present ? [[key, item]] : []));
  });
  const extra =
    mode === 'valid'
      ? fc.constant<Array<[string, JsonModel]>>([])
      : fc.oneof(
          { weight: 6, arbitrary: fc.constant<Array<[string, JsonModel]>>([]) },
          {
            weight: 1,
            arbitrary: fc.array(fc.tuple(hostileKey, hostileValue), { minLength: 1, maxLength: 2 }),
          },
        );
  return fc
    .tuple(fc.tuple(...properties), extra)
    .map(([present, extras]) => new Map([...present.flat(), ...extras]));
}

function nearFor(node: SchemaNode, fields: FieldValues): fc.Arbitrary<JsonModel> {
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => nearFor(alternative, fields)));
  return node.type === 'object' ? objectFor(node, fields, 'near') : validFor(node, '(body)', fields);
}

/**
 * JSON values for a zod schema as clients send it (`io: 'input'`): valid ones, near-valid ones
 * and anything at all, in about 3 : 5 : 2. `fields` supplies valid values by property name for
 * what JSON Schema cannot express (WireGuard keys, addresses) or what only the running system
 * knows (an enrollment key, a node id).
 */
export function valuesFor(schema: z.ZodType, fields: FieldValues = {}): fc.Arbitrary<JsonModel> {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as SchemaNode;
  return fc.oneof(
    { weight: 3, arbitrary: validFor(root, '(body)', fields) },
    { weight: 5, arbitrary: nearFor(root, fields) },
    { weight: 2, arbitrary: hostileValue },
  );
}

// ---------------------------------------------------------------------------------------------
// Valid values for the network-shaped fields of shared/src/schemas/net.ts.

export const wgPublicKey: fc.Arbitrary<JsonModel> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((bytes) => Buffer.from(bytes).toString('base64')),
  },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(32).toString('base64')) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 31, maxLength: 33 })
      .map((bytes) => Buffer.from(bytes).toString('base64')),
  },
);
export const ipv4: fc.Arbitrary<string> = fc.ipV4();
export const ipAddress: fc.Arbitrary<JsonModel> = fc.oneof(
  { weight: 4, arbitrary: ipv4 },
  { weight: 1, arbitrary: fc.ipV6() },
);
export const cidr: fc.Arbitrary<JsonModel> = fc.oneof(
  fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([address, prefix]) => {
    const bits = address.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const network = (bits & mask) >>> 0;
    return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')}/${prefix}`;
  }),
  fc.constantFrom(
    '0.0.0.0/0',
    '0.0.0.0/1',
    '128.0.0.0/1',
    '100.96.0.0/16',
    '100.96.0.0/24',
    '10.0.0.1/24',
    'fd00::/64',
  ),
);
export const hostname: fc.Arbitrary<JsonModel> = fc.domain();
export const endpoint: fc.Arbitrary<JsonModel> = fc.oneof(
  fc
    .tuple(fc.oneof(ipv4, fc.domain()), fc.integer({ min: 0, max: 70_000 }))
    .map(([host, port]) => `${host}:${port}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65_535 })).map(([host, port]) => `[${host}]:${port}`),
);
export const password: fc.Arbitrary<JsonModel> = fc.string({ minLength: 12, maxLength: 64 });
export const totpCode: fc.Arbitrary<JsonModel> = fc
  .integer({ min: 0, max: 999_999 })
  .map((code) => String(code).padStart(6, '0'));

/** Valid values of the fields every fleet and identity schema shares; tests add what only they know. */
export const COMMON_FIELDS: FieldValues = {
  wg_public_key: wgPublicKey,
  target_ip: ipAddress,
  endpoint,
  hostname,
  routes: fc.array(cidr, { maxLength: 4 }),
  password,
  code: totpCode,
  totp_code: totpCode,
};

// ---------------------------------------------------------------------------------------------
// Gateway frames (CONTRACT §5), from the contract's `clientFrame` schema.

/** What a fuzz case sends on an open WebSocket. */
export type FramePayload =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  /** A text frame whose payload is not UTF-8: a WebSocket endpoint must fail the connection. */
  | { kind: 'invalid-utf8'; bytes: Buffer };

export interface FrameContext {
  /** Rooms that mean something in the running stack (own rooms, a real node's room, `fleet`). */
  rooms: string[];
  /** Access tokens for `refresh`: for the same subjects, for others, forged ones. */
  tokens: string[];
  /** The sender's own room, drawn most often: the one room a node may publish to. */
  ownRoom: string;
}

// biome-ignore format: a list, packed by kind
const ROOM_LOOKALIKES = [
  'fleet', 'Fleet', 'FLEET', 'fleet ', ' fleet', 'fleet\n', 'fleet\u0000', 'fl\u200beet', 'ｆｌｅｅｔ',
  'fleet/..', 'node:', 'node:0', 'node:01', 'node:-1', 'node:1.5', 'node:1e3', 'node: 1', 'node:1 ',
  'node:0x1', 'node:１', 'node:9999999999999999', 'node:99999999999999999999', 'node:1:2', 'user:',
  'user:0', 'user:abc', 'gateway:control', '__proto__', 'constructor', 'room:fleet', '*', '#', '',
];

// biome-ignore format: a list, packed by kind
const OFFSET_LOOKALIKES = [
  '0-0', '0', '1-1', '-1', '0--1', 'a-b', '1-', '-', '99999999999999999999-1', '1-99999999999999999999',
  '0-0-0', '1e3-1', ' 1-1',
];

/** Frames of every type, valid and near-valid, with node event payloads shaped like the real ones. */
export function framePayloads(ctx: FrameContext): fc.Arbitrary<FramePayload> {
  const room = fc.oneof(
    { weight: 4, arbitrary: fc.constant(ctx.ownRoom) },
    { weight: 4, arbitrary: fc.constantFrom(...ctx.rooms) },
    { weight: 3, arbitrary: fc.constantFrom(...ROOM_LOOKALIKES) },
    { weight: 1, arbitrary: fc.nat().map((id) => `node:${id}`) },
    { weight: 1, arbitrary: fc.nat().map((id) => `user:${id}`) },
    { weight: 1, arbitrary: hostileString },
  );
  const since = fc.oneof(
    fc.constantFrom(...OFFSET_LOOKALIKES),
    fc.tuple(fc.nat(), fc.nat()).map(([epoch, seq]) => `${epoch}-${seq}`),
    hostileString,
  );
  const event = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...Object.keys(nodeEventSchemas)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'config.changed',
        'command',
        'node.online',
        'command.updated',
        'session.revoked',
        'status ',
        'STATUS',
      ),
    },
    { weight: 1, arbitrary: hostileString },
  );
  // A command's `output` is free-form JSON: deep nesting is the nasty case there.
  const eventFields: FieldValues = { ...COMMON_FIELDS, output: fc.oneof(hostileValue, deepNesting) };
  const data = fc.oneof(...Object.values(nodeEventSchemas).map((schema) => valuesFor(schema, eventFields)));
  const id = fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(65), '\ud800', 'a\u0000b') },
    { weight: 1, arbitrary: hostileValue },
  );
  const fields: FieldValues = {
    room,
    since,
    event,
    data,
    token: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ctx.tokens) },
      { weight: 1, arbitrary: hostileString },
    ),
    id,
  };
  // Event and data drawn together, so a node's own publishes are often entirely valid.
  const publish = fc
    .constantFrom(...(Object.keys(nodeEventSchemas) as Array<keyof typeof nodeEventSchemas>))
    .chain((name) =>
      fc.record(
        {
          type: fc.constant('publish'),
          room,
          event: fc.constant(name),
          data: valuesFor(nodeEventSchemas[name], eventFields),
          id,
        },
        { requiredKeys: ['type', 'room', 'event', 'data'] },
      ),
    )
    .map((frame): JsonModel => new Map(Object.entries(frame) as Array<[string, JsonModel]>));
  const json = fc
    .tuple(
      fc.oneof({ weight: 3, arbitrary: valuesFor(clientFrame, fields) }, { weight: 1, arbitrary: publish }),
      textEdit,
    )
    .map(([value, edit]): FramePayload => ({ kind: 'text', text: applyEdit(toJsonText(value), edit) }));
  return fc.oneof(
    { weight: 86, arbitrary: json },
    { weight: 6, arbitrary: garbageText.map((text): FramePayload => ({ kind: 'text', text })) },
    {
      weight: 4,
      arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes): FramePayload => ({ kind: 'binary', bytes })),
    },
    { weight: 2, arbitrary: invalidUtf8.map((bytes): FramePayload => ({ kind: 'invalid-utf8', bytes })) },
  );
}

/** Percent-encodes any string, lone surrogates included (as U+FFFD, which is what UTF-8 can carry). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}
