// Runs the built gateway Worker (build/gateway) on workerd through Miniflare's API, without
// wrangler dev: requests reach workerd directly, with no Node proxy on the path. Used by the
// benchmark to measure the gateway itself. Prints "miniflare: listening on URL" when ready.
//
//   node tests/gateway/miniflare.mjs --entry gateway.mjs --port 0 --var KEY=VALUE ...
import { Miniflare } from "miniflare";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
let entry = "gateway.mjs";
let port = 0;
const bindings = {};
for (let i = 0; i < args.length; i++) {
  const [flag, value] = [args[i], args[i + 1]];
  if (flag === "--entry") entry = value;
  else if (flag === "--port") port = Number(value);
  else if (flag === "--var") {
    const eq = value.indexOf("=");
    bindings[value.slice(0, eq)] = value.slice(eq + 1);
  } else {
    console.error(`miniflare.mjs: unknown argument ${flag}`);
    process.exit(2);
  }
  i++;
}

// entry is a module of build/gateway, or an absolute path to a Worker of its own folder.
const script = path.isAbsolute(entry) ? entry : path.join(repo, "build", "gateway", entry);
const dir = path.dirname(script);
const mf = new Miniflare({
  host: "127.0.0.1",
  port,
  modules: true,
  scriptPath: script,
  modulesRoot: dir,
  modulesRules: [
    { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2026-04-01",
  bindings,
  // The gateway's visitor counter; a Worker of its own (the benchmark's floor) has none.
  durableObjects: path.isAbsolute(entry) ? {} : { VISITOR_CAP: "VisitorCap" },
});
const url = await mf.ready;
console.log(`miniflare: listening on ${url.origin}`);
const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
