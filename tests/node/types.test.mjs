// web/index.d.ts, written by hand, must type-check LivePerson's example and the documented
// API under --strict, and refuse misuse (the @ts-expect-error lines in types/usage.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from './sim.mjs';

test('index.d.ts type-checks the documented usage and refuses misuse (tsc --strict)', async () => {
  const tsc = `${repoRoot}node_modules/.bin/tsc`;
  const { stdout, stderr } = await promisify(execFile)(tsc, ['-p', 'tests/node/types'], { cwd: repoRoot, timeout: 120000 })
    .catch((err) => assert.fail(`tsc failed:\n${err.stdout}${err.stderr}`));
  assert.equal(stdout + stderr, '');
});
