/** Index into a trace's string table; -1 means "none". */
export type StringIndex = number;

/** Interns strings once; tables store their indices. */
export class StringTableBuilder {
  private readonly index = new Map<string, StringIndex>();
  readonly values: string[] = [];

  intern(s: string): StringIndex {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  lookup(s: string): StringIndex {
    return this.index.get(s) ?? -1;
  }

  freeze(): StringTable {
    return new StringTable(this.values, this.index);
  }
}

/** Read-only string table of a frozen trace model. */
export class StringTable {
  constructor(
    readonly values: readonly string[],
    private readonly index: ReadonlyMap<string, StringIndex>,
  ) {}
  get(i: StringIndex): string {
    return i < 0 ? "" : (this.values[i] ?? "");
  }
  lookup(s: string): StringIndex {
    return this.index.get(s) ?? -1;
  }
  get length(): number {
    return this.values.length;
  }
}
