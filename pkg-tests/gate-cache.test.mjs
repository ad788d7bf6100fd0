// The gate's per-isolate caches (www/worker/gate-cache.js): bounded by entries and by the bytes
// of the manifests they hold, the oldest going first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedCache } from '../www/worker/gate-cache.js';

const entry = (n) => ({ bytes: new Uint8Array(n) });

test('past maxEntries, the oldest entry is forgotten; setting a key again makes it the newest', () => {
  const cache = new BoundedCache({ maxEntries: 3 });
  for (const k of ['a', 'b', 'c']) cache.set(k, k.toUpperCase());
  cache.set('a', 'A2');
  cache.set('d', 'D');
  assert.equal(cache.get('b'), undefined);
  assert.deepEqual(['a', 'c', 'd'].map((k) => cache.get(k)), ['A2', 'C', 'D']);
  assert.equal(cache.size, 3);
});

test('past maxBytes, the oldest entries are forgotten until the rest fit', () => {
  const cache = new BoundedCache({ maxEntries: 100, maxBytes: 1000 });
  cache.set('a', entry(400));
  cache.set('b', entry(400));
  cache.set('denied', { bytes: null });
  assert.equal(cache.bytes, 800);
  cache.set('c', entry(700));
  // a and b (800 bytes) go; the entry without bytes weighs nothing and stays.
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.get('b'), undefined);
  assert.ok(cache.get('denied'));
  assert.equal(cache.bytes, 700);
  // Replacing an entry counts only its new bytes.
  cache.set('c', entry(100));
  assert.equal(cache.bytes, 100);
  // An entry heavier than the whole budget is not kept, and costs nothing.
  cache.set('huge', entry(1001));
  assert.equal(cache.get('huge'), undefined);
  assert.equal(cache.bytes, 100);
  assert.ok(cache.get('c'));
});

test('limits must be positive integers', () => {
  for (const limits of [{}, { maxEntries: 0 }, { maxEntries: 1.5 }, { maxEntries: 1, maxBytes: 0 }, { maxEntries: 1, maxBytes: -1 }, { maxEntries: 1, maxBytes: '1' }]) {
    assert.throws(() => new BoundedCache(limits), RangeError, JSON.stringify(limits));
  }
});
