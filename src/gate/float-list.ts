/**
 * An append-only list of numbers in a Float64Array that doubles as it fills: a million values
 * take 8 MB, where a JS array of numbers read from DuckDB (boxed, with nulls among them) takes
 * several times that.
 */
export class FloatList {
  private buffer: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.buffer = new Float64Array(Math.max(1, capacity));
  }

  push(value: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Float64Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = value;
  }

  /** The values pushed so far: a view of the buffer, not a copy (sorting it sorts the list). */
  values(): Float64Array {
    return this.buffer.subarray(0, this.length);
  }
}
