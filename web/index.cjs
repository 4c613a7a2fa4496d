'use strict';
// CommonJS entry (require('appengage') in Node and Electron's main process). The library is
// ES modules; createChatApi is asynchronous anyway, so it loads them with import(), from the
// same file as the ESM entry (dist/node.mjs, src/node.js bundled): one module in a process,
// so one Go instance and one file-storage registry whichever way the package was loaded.

const { version } = require('./package.json');

const entry = () => import('./dist/node.mjs');

/** @type {import('./index').createChatApi} */
exports.createChatApi = (options) => entry().then((m) => m.createChatApi(options));

/** @type {import('./index').fileStorage} */
exports.fileStorage = (path) => {
  // A thin synchronous proxy: the real adapter is loaded on its first use.
  const real = entry().then((m) => m.fileStorage(path));
  return {
    get: (key) => real.then((s) => s.get(key)),
    set: (key, value) => real.then((s) => s.set(key, value)),
    remove: (key) => real.then((s) => s.remove(key)),
  };
};

/** @type {import('./index').moduleStats} */
exports.moduleStats = () => entry().then((m) => m.moduleStats());

exports.VERSION = version;
