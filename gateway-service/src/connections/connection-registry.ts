import type { Connection } from './connection.js';
import { memberCount, membersOf, type OneOrMany, withMember, withoutMember } from './one-or-many.js';

type Slot = OneOrMany<Connection>;

/** Every open connection of this instance, indexed the ways the gateway looks them up. */
export class ConnectionRegistry {
  private readonly all = new Set<Connection>();
  private readonly bySub = new Map<string, Slot>();
  private readonly bySid = new Map<string, Slot>();

  add(connection: Connection): void {
    this.all.add(connection);
    index(this.bySub, connection.sub, connection);
    index(this.bySid, connection.sid, connection);
  }

  remove(connection: Connection): void {
    this.all.delete(connection);
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

  ofSubject(sub: string): Connection[] {
    return membersOf(this.bySub.get(sub));
  }

  countOfSubject(sub: string): number {
    return memberCount(this.bySub.get(sub));
  }

  ofSession(sid: string): Connection[] {
    return membersOf(this.bySid.get(sid));
  }

  get size(): number {
    return this.all.size;
  }

  values(): IterableIterator<Connection> {
    return this.all.values();
  }
}

function index(map: Map<string, Slot>, key: string, connection: Connection): void {
  map.set(key, withMember(map.get(key), connection));
}

function unindex(map: Map<string, Slot>, key: string, connection: Connection): void {
  const slot = withoutMember(map.get(key), connection);
  if (slot === undefined) map.delete(key);
  else map.set(key, slot);
}
