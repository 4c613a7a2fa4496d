// axe-core (pinned in tests/browser/axe/package.json, installed by `make deps-axe`) run in
// a page: returns its violations as short strings (rule, impact, targets), [] when clean.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './harness.mjs';

let source;
function axeSource() {
  source ??= readFileSync(join(root, 'tests', 'browser', 'axe', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  return source;
}

/** Runs axe-core's WCAG 2.x A/AA and best-practice rules on the page, shadow roots included. */
export async function runAxe(page) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource());
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
