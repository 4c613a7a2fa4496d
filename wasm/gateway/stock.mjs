// The Worker exactly as workers-assets-gen generates it (a fresh Go instance per request),
// plus the gateway's Durable Object class. Used only to measure the "before" figures in
// docs/benchmarks/gateway.md; deployments use gateway.mjs.
import "./upstream.mjs";
export { default } from "./worker.mjs";
export { VisitorCap } from "./visitorcap.mjs";
