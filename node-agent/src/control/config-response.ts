import { parseJson } from '../http/json-request.js';

const SIGNATURE_KEY = '"signature":"';

/**
 * The signed config out of GET /v1/nodes/self/config's answer, `{"config":{…},"signature":"…"}`,
 * as `{ signature }`. The agent uses the signature only (the unsigned copy beside it is never
 * trusted), and parsing the whole answer would build the 10,000 peers of that copy — 4 MB of
 * JSON — only to drop them. So when the text ends with `"signature":"<JWS>"}`, the JWS is cut
 * out: a string value right before the closing brace of the text is the top-level object's
 * last member, and the last of duplicate keys is the one JSON.parse keeps, so this is what
 * parsing would give — given no quote or backslash in the value (base64url and dots have
 * none). Any other text is parsed whole (undefined when it is not JSON).
 */
export function readConfigResponse(text: string): unknown {
  const trimmed = text.trimEnd();
  if (trimmed.endsWith('"}')) {
    const start = trimmed.lastIndexOf(SIGNATURE_KEY);
    const end = trimmed.length - 2;
    if (start >= 0 && start + SIGNATURE_KEY.length <= end) {
      const signature = trimmed.slice(start + SIGNATURE_KEY.length, end);
      if (!signature.includes('"') && !signature.includes('\\')) return { signature };
    }
  }
  return parseJson(text);
}
