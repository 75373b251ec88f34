/**
 * Which sockets are in which conversation, so an event reaches the sockets of its conversation
 * without a scan of every socket. A socket's session keeps its set of conversations current
 * as it reads joins and removals in the log; that set is a `RoomSet`, and every add and delete
 * on it moves the socket between rooms here, so the index is never out of step with what the
 * session admits.
 */
export type Rooms<C> = ReturnType<typeof createRooms<C>>;

class RoomSet<C> extends Set<string> {
  private detached = false;

  constructor(
    private readonly member: C,
    private readonly rooms: Map<string, Set<C>>,
  ) {
    super();
  }

  override add(id: string): this {
    if (!this.detached && !this.has(id)) {
      let room = this.rooms.get(id);
      if (!room) this.rooms.set(id, (room = new Set()));
      room.add(this.member);
    }
    return super.add(id);
  }

  override delete(id: string): boolean {
    if (!this.detached && this.has(id)) this.leave(id);
    return super.delete(id);
  }

  override clear(): void {
    if (!this.detached) for (const id of this) this.leave(id);
    super.clear();
  }

  /** Leaves every room for good; the set itself keeps its contents (for a last presence). */
  detach(): void {
    if (this.detached) return;
    for (const id of this) this.leave(id);
    this.detached = true;
  }

  private leave(id: string) {
    const room = this.rooms.get(id);
    if (!room) return;
    room.delete(this.member);
    if (room.size === 0) this.rooms.delete(id);
  }
}

export function createRooms<C>() {
  const rooms = new Map<string, Set<C>>();
  return {
    /** A new, empty set of conversations for `member`, tied to the rooms. */
    setFor: (member: C): Set<string> & { detach(): void } => new RoomSet(member, rooms),
    /** The members of one conversation's room, as a copy (delivery may change the room). */
    in(id: string): C[] {
      const room = rooms.get(id);
      return room ? [...room] : [];
    },
    /** The members of any of these rooms, each once. */
    inAny(ids: Iterable<string>): Set<C> {
      const found = new Set<C>();
      for (const id of ids) for (const member of rooms.get(id) ?? []) found.add(member);
      return found;
    },
    roomCount: () => rooms.size,
  };
}
