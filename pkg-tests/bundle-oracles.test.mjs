// The bundle fixtures (fixtures/bundles, made by its make.py) are kept only while both
// independent Sigstore verifiers agree with the decision cases.json records for each:
// @sigstore/verify (npm) and sigstore-python (PyPI, --offline with the fixture's trust config).
// sigwall's own decisions on the same cases are checked in tests/corpus/bundles.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { oracleDecisions } from '../fixtures/bundles/oracles.mjs';

const cases = JSON.parse(readFileSync(new URL('../fixtures/bundles/cases.json', import.meta.url), 'utf8')).cases;
const decisions = await oracleDecisions();

for (const [name, c] of Object.entries(cases)) {
  test(`${name}: both oracles ${c.allowed ? 'accept' : 'refuse'} it (${c.what})`, () => {
    const { npm, python } = decisions[name];
    assert.equal(npm === true, c.allowed, `@sigstore/verify: ${npm}`);
    assert.equal(python === true, c.allowed, `sigstore-python: ${python}`);
  });
}

test('every fixture case was put to both oracles', () => {
  assert.deepEqual(Object.keys(decisions).sort(), Object.keys(cases).sort());
  assert.ok(Object.keys(cases).length >= 16);
});
