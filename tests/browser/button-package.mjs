// The package the chat button's Chromium tests run against: the packed tarball as a user
// installs it (make pack writes it; `make test-browser` makes it first), installed into a
// fresh project outside the repository; APPENGAGE_WEB=<dir> names another copy. Only when
// there is no tarball, or it is older than web/'s sources (a test run by hand after an
// edit), the tests serve web/ itself and say so.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { root, startListening } from './harness.mjs';
import { freshProject, tarball } from '../consumers/lib.mjs';

function newestSource() {
  const files = ['button.js', 'browser.js', 'browser-global.js', 'package.json', 'chatapi.wasm']
    .map((f) => join(root, 'web', f))
    .concat(readdirSync(join(root, 'web', 'src')).map((f) => join(root, 'web', 'src', f)));
  return Math.max(...files.filter(existsSync).map((f) => statSync(f).mtimeMs));
}

/** Resolves with {dir, what, remove()}: the package folder to serve and how it was got. */
export async function buttonPackage() {
  if (process.env.APPENGAGE_WEB) {
    return { dir: resolve(root, process.env.APPENGAGE_WEB), what: `APPENGAGE_WEB=${process.env.APPENGAGE_WEB}`, remove() {} };
  }
  if (existsSync(tarball) && statSync(tarball).mtimeMs >= newestSource()) {
    const project = await freshProject('button');
    return { dir: join(project.dir, 'node_modules', 'appengage'), what: `the packed ${tarball}`, remove: project.remove };
  }
  return { dir: join(root, 'web'), what: 'web/ (no up-to-date tarball: run make pack)', remove() {} };
}

/**
 * The dev server as the other browser tests start it, serving pkgDir at /appengage/ and the
 * button's test pages (tests/browser/pages/button) as its "demo", under the demo's CSP.
 */
export function startButtonServer(sim, pkgDir) {
  return startListening(join(root, 'build', 'bin', 'devserver'), [
    '-addr', '127.0.0.1:0', '-demo', 'tests/browser/pages/button', '-pkg', pkgDir, '-sim', sim, '-account', 'button',
  ], { name: 'devserver' });
}
