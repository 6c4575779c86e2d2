// A fixed ring of samples stored column by column (one Float64Array per series), the shape uPlot draws from.
// Its memory is set when it is made and never grows: SERIES_SAMPLES_MAX × series × 8 bytes, 900 × 30 × 8 ≈ 216 KB
// for the observer's 30 series, the same in the first minute as after a month.

/** 15 minutes of history at one sample a second. */
export const SERIES_SAMPLES_MAX = 900;

/** Column arrays in time order; a missing value (NaN, e.g. latency in a second without requests) is null. */
export type Columns<Name extends string> = Record<Name, (number | null)[]>;

export class SeriesRing<Name extends string> {
  readonly names: readonly Name[];
  readonly capacity: number;
  readonly #columns: Map<Name, Float64Array>;
  #next = 0;
  #length = 0;

  constructor(names: readonly Name[], capacity: number = SERIES_SAMPLES_MAX) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.names = names;
    this.capacity = capacity;
    this.#columns = new Map(names.map((name) => [name, new Float64Array(capacity)]));
  }

  get length(): number {
    return this.#length;
  }

  /** Appends one sample, overwriting the oldest once the ring is full. */
  push(values: Readonly<Record<Name, number>>): void {
    for (const [name, column] of this.#columns) column[this.#next] = values[name];
    this.#next = (this.#next + 1) % this.capacity;
    this.#length = Math.min(this.#length + 1, this.capacity);
  }

  columns(): Columns<Name> {
    const start = (this.#next - this.#length + this.capacity) % this.capacity;
    const out = {} as Columns<Name>;
    for (const [name, column] of this.#columns) {
      const values = new Array<number | null>(this.#length);
      for (let index = 0; index < this.#length; index += 1) {
        const value = column[(start + index) % this.capacity]!;
        values[index] = Number.isFinite(value) ? value : null;
      }
      out[name] = values;
    }
    return out;
  }
}
