import type { PolicyMember } from './types.js';

/** A selector of the document, parsed once: `*`, `tag:<name>`, `node:<id>` or `device:<id>`. */
export type Selector =
  | { kind: 'all' }
  | { kind: 'tag'; tag: string }
  | { kind: 'node' | 'device'; id: number };

/** A selector the schema accepted; anything else is a caller's bug, so it throws. */
export function parseSelector(text: string): Selector {
  if (text === '*') return { kind: 'all' };
  if (text.startsWith('tag:')) return { kind: 'tag', tag: text.slice(4) };
  const ref = parseMemberRef(text);
  if (!ref) throw new Error(`not a selector: ${text}`);
  return ref;
}

/** `node:<id>` or `device:<id>`, as tests and checks name one member; undefined otherwise. */
export function parseMemberRef(text: string): { kind: 'node' | 'device'; id: number } | undefined {
  const match = /^(node|device):([1-9][0-9]{0,15})$/.exec(text);
  return match ? { kind: match[1] as 'node' | 'device', id: Number(match[2]) } : undefined;
}

export function memberRef(member: Pick<PolicyMember, 'kind' | 'id'>): string {
  return `${member.kind}:${member.id}`;
}

export function selectorMatches(selector: Selector, member: PolicyMember): boolean {
  switch (selector.kind) {
    case 'all':
      return true;
    case 'tag':
      return member.tags.includes(selector.tag);
    default:
      return selector.kind === member.kind && selector.id === member.id;
  }
}

export function anySelectorMatches(selectors: readonly Selector[], member: PolicyMember): boolean {
  for (const selector of selectors) if (selectorMatches(selector, member)) return true;
  return false;
}
