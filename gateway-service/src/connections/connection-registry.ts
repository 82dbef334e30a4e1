import type { Connection } from './connection.js';

/**
 * One connection, or several: a subject or session almost always has exactly one connection,
 * and a one-element Set costs ~200 bytes per index per connection — at 20,000 idle
 * connections that is most of the per-connection budget.
 */
type Slot = Connection | Set<Connection>;

/** Every open connection of this instance, indexed the ways the gateway looks them up. */
export class ConnectionRegistry {
  private readonly all = new Map<string, Connection>();
  private readonly bySub = new Map<string, Slot>();
  private readonly bySid = new Map<string, Slot>();

  add(connection: Connection): void {
    this.all.set(connection.id, connection);
    index(this.bySub, connection.sub, connection);
    index(this.bySid, connection.sid, connection);
  }

  remove(connection: Connection): void {
    this.all.delete(connection.id);
    unindex(this.bySub, connection.sub, connection);
    unindex(this.bySid, connection.sid, connection);
  }

  /** A refresh may carry a token of another session of the same subject. */
  changeSid(connection: Connection, sid: string): void {
    if (connection.sid === sid) return;
    unindex(this.bySid, connection.sid, connection);
    connection.sid = sid;
    index(this.bySid, sid, connection);
  }

  get(id: string): Connection | undefined {
    return this.all.get(id);
  }

  ofSubject(sub: string): Connection[] {
    return members(this.bySub.get(sub));
  }

  countOfSubject(sub: string): number {
    const slot = this.bySub.get(sub);
    return slot === undefined ? 0 : slot instanceof Set ? slot.size : 1;
  }

  ofSession(sid: string): Connection[] {
    return members(this.bySid.get(sid));
  }

  get size(): number {
    return this.all.size;
  }

  values(): IterableIterator<Connection> {
    return this.all.values();
  }
}

function members(slot: Slot | undefined): Connection[] {
  if (slot === undefined) return [];
  return slot instanceof Set ? [...slot] : [slot];
}

function index(map: Map<string, Slot>, key: string, connection: Connection): void {
  const slot = map.get(key);
  if (slot === undefined) map.set(key, connection);
  else if (slot instanceof Set) slot.add(connection);
  else if (slot !== connection) map.set(key, new Set([slot, connection]));
}

function unindex(map: Map<string, Slot>, key: string, connection: Connection): void {
  const slot = map.get(key);
  if (slot === connection) {
    map.delete(key);
  } else if (slot instanceof Set) {
    slot.delete(connection);
    if (slot.size === 1) map.set(key, slot.values().next().value!);
    else if (slot.size === 0) map.delete(key);
  }
}
