/**
 * The query ids already read from one file, for the duplicate check, in 12 bytes a slot whatever
 * the id's length (the table is kept at most half full: 24-48 bytes an id, 25 MB at a million): a
 * Map of the ids themselves held about 70 bytes per query plus the strings, the one thing in a
 * 1M-query replay's memory that grew with the log (bench/RESULTS.md, "Memory").
 *
 * Ids are kept as 64-bit hashes (two 32-bit halves, cyrb53's mixing) in an open-addressing table.
 * Two distinct ids with the same 64 bits would be taken for a duplicate; among a million ids the
 * chance that any such pair exists is about 3 in 100 million, and it would show as a reject row
 * naming both lines, not as a silent loss.
 */
export class SeenIds {
  private high = new Uint32Array(1024);
  private low = new Uint32Array(1024);
  /** Line of the first occurrence + 1; 0 marks an empty slot. */
  private lines = new Uint32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Records `id` at `line` and returns undefined, or returns the line it was first seen at. */
  add(id: string, line: number): number | undefined {
    const [high, low] = hash64(id);
    const mask = this.lines.length - 1;
    for (let slot = (low ^ high) & mask; ; slot = (slot + 1) & mask) {
      const stored = this.lines[slot]!;
      if (stored === 0) break;
      if (this.high[slot] === high && this.low[slot] === low) return stored - 1;
    }
    // At most half full, so probes stay short and an empty slot always exists.
    if ((this.count + 1) * 2 > this.lines.length) this.grow();
    this.insert(high, low, line + 1);
    this.count++;
    return undefined;
  }

  private insert(high: number, low: number, storedLine: number): void {
    const mask = this.lines.length - 1;
    let slot = (low ^ high) & mask;
    while (this.lines[slot] !== 0) slot = (slot + 1) & mask;
    this.high[slot] = high;
    this.low[slot] = low;
    this.lines[slot] = storedLine;
  }

  private grow(): void {
    const { high, low, lines } = this;
    const size = lines.length * 2;
    this.high = new Uint32Array(size);
    this.low = new Uint32Array(size);
    this.lines = new Uint32Array(size);
    for (let slot = 0; slot < lines.length; slot++) {
      if (lines[slot] !== 0) this.insert(high[slot]!, low[slot]!, lines[slot]!);
    }
  }
}

/** Two independent 32-bit hashes of the UTF-16 code units (cyrb53's rounds, both halves kept). */
export function hash64(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
