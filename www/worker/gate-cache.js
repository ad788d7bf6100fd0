// The gate's per-isolate caches: maps that forget their oldest entries once they hold more than
// a number of entries or of bytes. An entry weighs the length of its `bytes` and `index` (the
// manifests the gate keeps: to serve, and an index as upstream has it); other entries weigh
// nothing and count only as entries. The byte bound
// matters when the gate fronts a public registry: anyone can push large manifests there and
// ask the gate for them, and an isolate has little memory (128 MB on Workers).

const weightOf = (value) => (value !== null && typeof value === 'object' ? (value.bytes?.length ?? 0) + (value.index?.length ?? 0) : 0);

export class BoundedCache {
  #map = new Map();
  #bytes = 0;
  #maxEntries;
  #maxBytes;

  /** `maxEntries`, and `maxBytes` (none when not given): positive limits. */
  constructor({ maxEntries, maxBytes = Infinity }) {
    if (!(Number.isSafeInteger(maxEntries) && maxEntries > 0)) throw new RangeError('maxEntries must be a positive integer');
    if (!(maxBytes === Infinity || (Number.isSafeInteger(maxBytes) && maxBytes > 0))) throw new RangeError('maxBytes must be a positive integer');
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  get(key) {
    return this.#map.get(key);
  }

  /** Sets `key` as the newest entry, then forgets the oldest ones while over a limit. An entry
   * heavier than `maxBytes` on its own is not kept (and the key's earlier entry goes). */
  set(key, value) {
    this.#forget(key);
    const weight = weightOf(value);
    if (weight > this.#maxBytes) return this;
    this.#map.set(key, value);
    this.#bytes += weight;
    while (this.#map.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      this.#forget(this.#map.keys().next().value);
    }
    return this;
  }

  #forget(key) {
    if (!this.#map.has(key)) return;
    this.#bytes -= weightOf(this.#map.get(key));
    this.#map.delete(key);
  }

  /** How many entries, and how many bytes they weigh. */
  get size() {
    return this.#map.size;
  }

  get bytes() {
    return this.#bytes;
  }
}
