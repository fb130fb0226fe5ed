/**
 * Which ids carry which tag, for stores that hold their records in this
 * process (MemoryStore). Each id is under at most one tag; every change is
 * synchronous, so the index and the records never disagree.
 */
export class TagIndex {
  private readonly ids = new Map<string, Set<string>>();
  private readonly tagOf = new Map<string, string>();

  /** Puts `id` under `tag` (undefined: under none), leaving the tag it had. */
  set(id: string, tag: string | undefined): void {
    const before = this.tagOf.get(id);
    if (before === tag) return;
    if (before !== undefined) this.delete(id);
    if (tag === undefined) return;
    this.tagOf.set(id, tag);
    let ids = this.ids.get(tag);
    if (!ids) this.ids.set(tag, (ids = new Set()));
    ids.add(id);
  }

  delete(id: string): void {
    const tag = this.tagOf.get(id);
    if (tag === undefined) return;
    this.tagOf.delete(id);
    const ids = this.ids.get(tag)!;
    ids.delete(id);
    if (ids.size === 0) this.ids.delete(tag);
  }

  /** The ids under `tag`, copied: callers may change the index while walking them. */
  idsOf(tag: string): string[] {
    return [...(this.ids.get(tag) ?? [])];
  }
}
