import { WirefleetError } from '@wirefleet/shared/errors';

/** Cursors are opaque to clients: base64url of the last id of the previous page. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`id:${lastId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^id:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw new WirefleetError('invalid_request', { errors: [{ path: 'cursor', message: 'unknown cursor' }] });
  }
  return Number(match[1]);
}

/** `{items, next_cursor?}`: a next cursor only when the page came back full. */
export function page<T extends { id: number }>(items: T[], limit: number): { items: T[]; next_cursor?: string } {
  const last = items[items.length - 1];
  return items.length === limit && last ? { items, next_cursor: encodeCursor(last.id) } : { items };
}
