// npm's prepack hook (npm pack, npm publish): a package without chatapi.wasm, wasm_exec.js or
// the script-tag build is useless, so they are built here when missing or stale (in the
// repository, through make: the wasm needs Go), or packing stops with a message saying how.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(web, '..');
const needed = ['chatapi.wasm', 'wasm_exec.js', 'dist/chatapi.js', 'dist/chatapi.min.js', 'dist/node.mjs', 'index.d.cts', 'global.d.cts', 'dist/package.json', 'README.md', 'LICENSE', 'LICENSE-go'];

const inRepo = existsSync(join(repo, 'Makefile')) && existsSync(join(repo, 'go.mod')) && existsSync(join(repo, 'mk', 'pack.mk'));
if (inRepo && process.env.APPENGAGE_PREPACK_BUILT !== '1') {
  // make rebuilds only what is older than its sources (a stale wasm would be refused at run
  // time for its version).
  try {
    // npm runs this hook with its own settings in npm_* variables (npm pack --dry-run sets
    // npm_config_dry_run): the npm ci that make may run must not inherit them. make's output
    // goes to stderr, so npm pack --json stays parseable.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    execFileSync('make', ['-C', repo, '--no-print-directory', 'package-files'], { stdio: ['ignore', 2, 2], env });
  } catch {
    refuse('make package-files failed (see above): building the package needs Go (go.mod\'s version) and Node; run `make pack` from the repository root');
  }
}
const missing = needed.filter((f) => !existsSync(join(web, f)));
if (missing.length > 0) {
  refuse(`missing ${missing.join(', ')}: run \`make pack\` (or \`make build-wasm build-browser\`) from the repository root; it needs Go and Node`);
}
try {
  execFileSync(process.execPath, [join(web, 'scripts', 'types-cts.mjs'), '--check'], { stdio: 'inherit' });
} catch {
  refuse('index.d.cts is out of date: run `npm run types` in web/');
}

function refuse(why) {
  console.error(`appengage prepack: refusing to pack a broken package: ${why}`);
  process.exit(1);
}
