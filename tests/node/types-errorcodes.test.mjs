// The error-code union of web/index.d.ts (ModuleErrorCode) is the list of Code constants in
// core/errors.go, no more and no less; ErrorCode adds only the loader's own load_failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoRoot } from './sim.mjs';

/** The string literals of `export type NAME = | 'a' | 'b' …;` in a declaration file. */
function union(dts, name) {
  const m = new RegExp(`export type ${name} =([^;]*);`).exec(dts.replace(/\/\/.*$/gm, ''));
  assert.ok(m, `index.d.ts declares ${name}`);
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

test("index.d.ts's ModuleErrorCode equals the Code constants of core/errors.go", () => {
  const go = readFileSync(`${repoRoot}core/errors.go`, 'utf8');
  const goCodes = [...go.matchAll(/^\s*Code\w+\s+Code\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
  assert.ok(goCodes.length >= 10, `found ${goCodes.length} codes in core/errors.go`);
  const dts = readFileSync(`${repoRoot}web/index.d.ts`, 'utf8');
  assert.deepEqual(union(dts, 'ModuleErrorCode').sort(), [...goCodes].sort());
  const all = union(dts, 'ErrorCode');
  assert.deepEqual(all.filter((c) => !goCodes.includes(c)), ['load_failed'], 'ErrorCode = ModuleErrorCode | load_failed');
});
