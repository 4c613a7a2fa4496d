// Writes web/index.d.cts and web/global.d.cts, the CommonJS declarations, from the ESM ones
// (index.d.ts, global.d.ts): both entries export the same names, but TypeScript under
// node16/nodenext must see CommonJS types for require('appengage') (else TS1479,
// "masquerading as ESM"). Run by make package-files / make pack (they are not committed);
// with --check it only reports whether they are up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const web = (f) => fileURLToPath(new URL(`../${f}`, import.meta.url));
// [ESM source, CommonJS twin, what the twin is, how imports of index change]
const pairs = [
  ['index.d.ts', 'index.d.cts', "the types of require('appengage') (index.cjs)", (s) => s],
  // dist/*.js are classic scripts (dist/package.json says commonjs), so their types and the
  // types-only appengage/global are CommonJS declarations importing index.d.cts.
  // require('appengage/button') (button.cjs) loads the element asynchronously: its types say
  // so (ready), and declare only what button.cjs exports as values.
  ['button.d.ts', 'button.d.cts', "the types of require('appengage/button') (button.cjs)", (s) => {
    const out = s.replace("from './index.js';", "from './index.cjs';")
      .replace('export declare class AppEngageChatButton', 'declare class AppEngageChatButton')
      .replace(/\/\*\* Defines the element[^\n]*\nexport declare function defineChatButton[^\n]*\n/, '');
    if (out.includes('defineChatButton') || !out.includes('declare class AppEngageChatButton')) {
      throw new Error('types-cts: button.d.ts changed shape; update the button.d.cts rule');
    }
    return `${out}
export type { AppEngageChatButton };
/** Resolves to the element's class once src/button.js has loaded (and defined it, where there is a customElements registry). */
export declare const ready: Promise<typeof AppEngageChatButton>;
`;
  }],
  ['global.d.ts', 'global.d.cts', 'the types of the script-tag build and appengage/global', (s) => s.replace("from './index.js';", "from './index.cjs';")],
];
const check = process.argv.includes('--check');
let stale = false;
for (const [from, to, what, edit] of pairs) {
  const want = `// Generated from ${from} by web/scripts/types-cts.mjs (npm run types); do not edit.
// The CommonJS twin of ${from}: ${what}.
${edit(readFileSync(web(from), 'utf8'))}`;
  if (check) {
    let have = '';
    try { have = readFileSync(web(to), 'utf8'); } catch { /* missing */ }
    if (have !== want) {
      console.error(`web/${to} is out of date with web/${from}: run node web/scripts/types-cts.mjs`);
      stale = true;
    }
  } else {
    writeFileSync(web(to), want);
    console.log(`types-cts: wrote web/${to}`);
  }
}
if (stale) process.exit(1);
