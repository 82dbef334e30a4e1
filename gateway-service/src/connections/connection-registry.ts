import type { Connection } from './connection.js';

/** Every open connection of this instance, indexed the ways the gateway looks them up. */
export class ConnectionRegistry {
  private readonly all = new Map<string, Connection>();
  private readonly bySub = new Map<string, Set<Connection>>();
  private readonly bySid = new Map<string, Set<Connection>>();

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
    return [...(this.bySub.get(sub) ?? [])];
  }

  countOfSubject(sub: string): number {
    return this.bySub.get(sub)?.size ?? 0;
  }

  ofSession(sid: string): Connection[] {
    return [...(this.bySid.get(sid) ?? [])];
  }

  get size(): number {
    return this.all.size;
  }

  values(): IterableIterator<Connection> {
    return this.all.values();
  }
}

function index(map: Map<string, Set<Connection>>, key: string, connection: Connection): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(connection);
}

function unindex(map: Map<string, Set<Connection>>, key: string, connection: Connection): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(connection);
  if (set.size === 0) map.delete(key);
}
