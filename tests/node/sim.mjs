// Starts the LivePerson simulator (build/bin/lpsim) on 127.0.0.1 for the Node tests and the
// benchmarks, and wraps its /sim/v1 control API.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const web = new URL('../../web/', import.meta.url);

/** Starts lpsim on a free port; resolves with {url, stop, ...control helpers}. */
export async function startSim() {
  const child = spawn(`${repoRoot}build/bin/lpsim`, ['-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lpsim exited with ${code} before listening (run make build-go)`)));
    lines.once('line', (line) => {
      const m = /^lpsim: listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) resolve(m[1]); else reject(new Error(`unexpected first line from lpsim: ${line}`));
    });
  });
  child.stdout.resume(); // keep draining later output
  const control = async (method, path, body) => {
    const res = await fetch(`${url}/sim/v1/${path}`, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sim ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    stats: (account) => control('GET', `stats?account=${account}`),
    requests: (account) => control('GET', `requests?account=${account}`),
    scenario: (account, s) => control('PUT', `accounts/${account}`, s),
    clear: (account) => control('DELETE', `accounts/${account}`),
    reset: () => control('POST', 'reset'),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill();
    }),
  };
}

let accounts = 0;
/** A fresh account id, so tests do not see each other's visitors and scenarios. */
export function account(prefix = 't') {
  accounts += 1;
  return `${prefix}${process.pid}_${accounts}`.slice(0, 20);
}

/** LivePerson's documented getEngagement example, verbatim (testdata/seed-request.json, the
 * same file the Go tests use), as a fresh object for each call. */
export function seedRequest() {
  return JSON.parse(seedText);
}
const seedText = readFileSync(new URL('../../testdata/seed-request.json', import.meta.url), 'utf8');
