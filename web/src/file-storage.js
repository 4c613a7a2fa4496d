// A session storage adapter for Node and Electron's main process: one small JSON file
// holding {key: value} pairs, written atomically (temporary file, then rename) and one write
// at a time, so a crash never leaves half a session behind.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Returns a {get, set, remove} storage keeping its values in the JSON file at path.
 * @param {string} path
 */
export function fileStorage(path) {
  if (typeof path !== 'string' || path === '') {
    const err = new Error('appengage: validation: storage.file: must be a non-empty path');
    Object.assign(err, { name: 'AppEngageError', code: 'validation', field: 'storage.file', problems: [{ field: 'storage.file', message: 'must be a non-empty path' }] });
    throw err;
  }
  let queue = Promise.resolve();
  const serial = (fn) => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };
  const load = async () => {
    let text;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') return {};
      throw err;
    }
    try {
      const data = JSON.parse(text);
      return data !== null && typeof data === 'object' && !Array.isArray(data) ? data : {};
    } catch {
      return {}; // not ours or damaged: start over rather than fail every call
    }
  };
  const save = async (data) => {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data), { mode: 0o600 });
    await rename(tmp, path);
  };
  return {
    get: (key) => serial(async () => {
      const v = (await load())[key];
      return typeof v === 'string' ? v : null;
    }),
    set: (key, value) => serial(async () => {
      const data = await load();
      data[key] = value;
      await save(data);
    }),
    remove: (key) => serial(async () => {
      const data = await load();
      if (!(key in data)) return;
      delete data[key];
      await save(data);
    }),
  };
}
