'use strict';
// CommonJS form of appengage/browser, for bundled CommonJS code (require('appengage/browser')).
// The entry is ES modules; createChatApi is asynchronous anyway, so it loads them with import().

const { version } = require('./package.json');

const entry = () => import('./browser.js');

/** @type {import('./index.cjs').createChatApi} */
exports.createChatApi = (options) => entry().then((m) => m.createChatApi(options));

/** @type {import('./index.cjs').moduleStats} */
exports.moduleStats = () => entry().then((m) => m.moduleStats());

/** @type {import('./index.cjs').fileStorage} */
exports.fileStorage = () => {
  const err = new Error("appengage: validation: storage: fileStorage needs Node's file system; in a browser or worker keep the default (localStorage, or memory where there is none) or pass your own { get, set, remove }");
  err.name = 'AppEngageError';
  err.code = 'validation';
  err.field = 'storage';
  throw err;
};

exports.VERSION = version;
