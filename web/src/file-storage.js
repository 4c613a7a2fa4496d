// A session storage adapter for Node and Electron's main process: one small JSON file holding
// {key: value} pairs, one key per account ("appengage.session.<accountId>").
//
// What it guarantees (docs/js.md, "Session storage"):
// - Every write is atomic: the new content goes to a temporary file created exclusively
//   (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) under a random name in the same directory, then is
//   renamed over the file. A crash of the process leaves the old file or the new one, never half.
// - It never follows a symbolic link it did not create: the file, its temporary files and its
//   lock file are opened with O_NOFOLLOW / O_EXCL; a link at the file's path is refused, a
//   link at the lock's path is removed (the link, not its target).
// - Every account's record is kept, across ChatApis and processes: each change is a
//   read-modify-write under an in-process lock keyed by the file's real path and a lock file
//   (<file>.lock, created with O_EXCL, holding pid, host and time) shared with other
//   processes. A lock whose process is gone (same host), or older than STALE_LOCK_MS, is
//   stale and broken; a live lock is waited for at most LOCK_WAIT_MS.
// - ChatApis of one process that share the file (and account) share one visitor: while one
//   of them is creating the session (it read no record and has a call under way), the others'
//   reads of that key wait for its record instead of creating a second visitor.
// - Reads are bounded (MAX_FILE_BYTES) and never block on a FIFO or device at the path.
// Two processes that start at the same moment with no stored session may each create a
// visitor; the file then keeps the last one written, which both use from their next call.

import * as fsPromises from 'node:fs/promises';
import { link, lstat, mkdir, open, realpath, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

// This module is loaded by every createChatApi in Node (src/node.js), so it imports nothing
// costly that only a write needs: node:crypto (ten internal modules, ~6 ms of a cold start)
// is imported by the first randomName, and the open flags come from node:fs/promises (Node
// 18.4 and later), already loaded, rather than node:fs, whose ESM namespace loads its
// streams (~3 ms).
const constants = fsPromises.constants ?? (await import('node:fs')).constants;
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL } = constants;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0; // absent on Windows, where O_EXCL still refuses links
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** The largest session file read (about 7,000 accounts); a bigger file is not ours. */
export const MAX_FILE_BYTES = 1 << 20;
/** A lock file older than this is stale: a holder keeps it for one read and one write. */
export const STALE_LOCK_MS = 10_000;
/** How long a change waits for another process's live lock before it fails. */
export const LOCK_WAIT_MS = 15_000;

/**
 * The registered symbol under which a fileStorage offers per-ChatApi views. A ChatApi
 * (web/src/chatapi.js) asks for one view each, and reports through view.busy(+1 / -1) when a
 * call that may create a session starts and settles, so that a read finding no record can
 * make that ChatApi the one creator among the ChatApis sharing the file.
 */
export const SESSION_VIEW = Symbol.for('appengage.storage.view');

function storageError(code, message) {
  const err = new Error(`appengage file storage: ${message}`);
  err.code = code;
  return err;
}

// Per real path, in this process: the tail of the queue of changes (the in-process lock) and
// the creation leases by key.
const shared = new Map();

function sharedState(realPath) {
  let s = shared.get(realPath);
  if (!s) {
    s = { tail: Promise.resolve(), leases: new Map() };
    shared.set(realPath, s);
  }
  return s;
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
let nodeCrypto;
const randomName = async () => {
  nodeCrypto ??= await import('node:crypto');
  return nodeCrypto.randomBytes(12).toString('hex');
};

/** Reads at most limit bytes of a regular file at path, without following a link there. */
async function readRegular(path, limit, what) {
  let fh;
  try {
    // O_NONBLOCK: opening a FIFO planted at the path must not hang a thread of the pool.
    fh = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    if (err.code === 'ELOOP' || err.code === 'EMLINK') {
      throw storageError('ELOOP', `${what} is a symbolic link; it is never followed (remove it or pass the real path)`);
    }
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw storageError('EINVAL', `${what} is not a regular file`);
    if (st.size > limit) throw storageError('EFBIG', `${what} is larger than ${limit} bytes; it is not a session file`);
    // One read of the size fstat gave plus one byte usually ends at end of file; a file that
    // grows meanwhile is read on, up to the limit.
    let buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      n += bytesRead;
      if (n < buf.length) break;
      if (n > limit) throw storageError('EFBIG', `${what} is larger than ${limit} bytes; it is not a session file`);
      const bigger = Buffer.alloc(Math.min(buf.length * 2, limit + 1));
      buf.copy(bigger);
      buf = bigger;
    }
    return buf.toString('utf8', 0, n);
  } finally {
    await fh.close();
  }
}

async function unlinkQuietly(path) {
  try {
    await unlink(path);
  } catch {
    // already gone, or not ours to remove: nothing to do
  }
}

/** Is the process pid alive on this host? */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Breaks the lock at lockPath if it is stale, and says whether to try again at once. A lock
 * is stale when it is not a regular file (a planted link: the link itself is removed), is
 * older than STALE_LOCK_MS, or names a process of this host that is gone. It is moved aside
 * first and removed only if the moved file is the one judged stale, so that two processes
 * breaking it at once cannot remove a fresh lock taken in between.
 */
async function breakIfStale(lockPath) {
  let st;
  try {
    st = await lstat(lockPath);
  } catch (err) {
    if (err.code === 'ENOENT') return true; // released meanwhile
    throw err;
  }
  let stale = !st.isFile() || Date.now() - st.mtimeMs > STALE_LOCK_MS;
  if (!stale) {
    let owner = null;
    try {
      owner = JSON.parse(await readRegular(lockPath, 512, 'the lock file'));
    } catch {
      // being written, or gone: judged by its age alone
    }
    if (owner && owner.host === hostname() && Number.isSafeInteger(owner.pid) && owner.pid > 0) {
      stale = owner.pid === process.pid ? false : !alive(owner.pid);
    }
  }
  if (!stale) return false;
  const aside = `${lockPath}.${await randomName()}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if (err.code === 'ENOENT') return true;
    throw err;
  }
  const moved = await lstat(aside).catch(() => null);
  if (moved && (moved.ino !== st.ino || moved.dev !== st.dev)) {
    // A fresh lock replaced the stale one between our look and the move: put it back.
    if (moved.isFile()) await link(aside, lockPath).catch(() => {});
    await unlinkQuietly(aside);
    return false;
  }
  await unlinkQuietly(aside);
  return true;
}

/** Takes the cross-process lock at lockPath; resolves with a function that releases it. */
async function lockFile(lockPath) {
  const token = JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), id: await randomName() });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    let fh;
    try {
      fh = await open(lockPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (await breakIfStale(lockPath)) continue;
      if (Date.now() > deadline) {
        throw storageError('EBUSY', `the lock file ${lockPath} is held by another process (waited ${LOCK_WAIT_MS} ms)`);
      }
      await sleep(Math.min(2 ** attempt, 50) + Math.random() * 5);
      continue;
    }
    let ours;
    try {
      await fh.writeFile(token);
      ours = await fh.stat();
    } catch (err) {
      await fh.close().catch(() => {});
      await unlinkQuietly(lockPath);
      throw err;
    }
    await fh.close();
    return async () => {
      // Remove it only if it is still ours (a stale-lock breaker may have replaced it).
      const current = await lstat(lockPath).catch(() => null);
      if (current && current.ino === ours.ino && current.dev === ours.dev) await unlinkQuietly(lockPath);
    };
  }
}

/**
 * mkdir -p, bounded: Node's recursive mkdir loops forever where a parent exists but refuses
 * children with ENOENT (/proc/self/nope), so each missing directory is made in turn, from the
 * deepest existing one, and any error ends it.
 */
async function makeDirectories(dir) {
  const missing = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      await lstat(d);
      break;
    } catch (err) {
      if (err.code !== 'ENOENT' || dirname(d) === d) throw err;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d, { mode: 0o700 });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err; // made meanwhile by another writer
    }
  }
}

/** Parses the file's text into a plain {key: value} object; damaged content counts as empty. */
function parseRecords(text) {
  try {
    const data = JSON.parse(text);
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) return data;
  } catch {
    // not ours or damaged: start over rather than fail every call
  }
  return {};
}

/**
 * Returns a {get, set, remove} storage keeping its values in the JSON file at path.
 * @param {string} path
 */
export function fileStorage(path) {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    const err = new Error('appengage: validation: storage.file: must be a non-empty path');
    Object.assign(err, { name: 'AppEngageError', code: 'validation', field: 'storage.file', problems: [{ field: 'storage.file', message: 'must be a non-empty path' }] });
    throw err;
  }
  const absolute = resolve(path);

  // The file's real path (its directory resolved, so that two spellings of one file share a
  // lock; the name itself is never resolved, a link there is refused). Made once it works.
  let located = null;
  const locate = () => {
    located ??= (async () => {
      await makeDirectories(dirname(absolute));
      const dir = await realpath(dirname(absolute));
      const file = join(dir, basename(absolute));
      return { dir, file, state: sharedState(file) };
    })();
    located.catch(() => { located = null; }); // a failure (no such directory) is tried again
    return located;
  };

  const readAll = async (file) => {
    let text;
    try {
      text = await readRegular(file, MAX_FILE_BYTES, `the session file ${file}`);
    } catch (err) {
      if (err.code === 'ENOENT') return {};
      throw err;
    }
    return parseRecords(text);
  };

  const writeAll = async ({ dir, file }, data) => {
    const tmp = join(dir, `.${basename(file)}.${await randomName()}.tmp`);
    const fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      try {
        // Not fsync'd: the rename makes it atomic for crashes of the process; after a power
        // loss some file systems may leave it empty, which reads as no session (a new visitor),
        // and a flush would cost every call several milliseconds.
        await fh.writeFile(JSON.stringify(data));
      } finally {
        await fh.close();
      }
      await rename(tmp, file); // replaces a link at file itself, never writes through it
    } catch (err) {
      await unlinkQuietly(tmp);
      throw err;
    }
  };

  // Runs fn(records) under both locks; when fn returns true the records are written back.
  const change = async (fn) => {
    const where = await locate();
    const { state } = where;
    const run = async () => {
      const release = await lockFile(`${where.file}.lock`);
      try {
        const data = await readAll(where.file);
        if (fn(data)) await writeAll(where, data);
      } finally {
        await release();
      }
    };
    const result = state.tail.then(run, run);
    state.tail = result.catch(() => {});
    return result;
  };

  const read = async (key) => {
    const where = await locate();
    const data = await readAll(where.file); // a rename makes each read see one whole version
    const v = Object.hasOwn(data, key) ? data[key] : undefined;
    return typeof v === 'string' ? v : null;
  };

  /** One ChatApi's view: its reads take part in the creation leases of its file. */
  const view = () => {
    let busy = 0;
    const owner = {};
    const releaseOwned = (state) => {
      for (const [key, lease] of state.leases) {
        if (lease.owner === owner) {
          state.leases.delete(key);
          lease.release();
        }
      }
    };
    const endLease = (state, key) => {
      const lease = state.leases.get(key);
      if (lease) {
        state.leases.delete(key);
        lease.release();
      }
    };
    return {
      async get(key) {
        const { state } = await locate();
        for (;;) {
          const held = state.leases.get(key);
          if (held && held.owner !== owner) {
            await held.done; // another ChatApi is creating this session: use its record
            continue;
          }
          const v = await read(key);
          if (v !== null) return v;
          const now = state.leases.get(key);
          if (now && now.owner !== owner) continue; // another took it while we read
          if (!now && busy > 0) {
            let release;
            const done = new Promise((r) => { release = r; });
            state.leases.set(key, { owner, done, release });
          }
          return null;
        }
      },
      async set(key, value) {
        const where = await locate();
        try {
          await change((data) => { data[key] = String(value); return true; });
        } finally {
          endLease(where.state, key);
        }
      },
      async remove(key) {
        await change((data) => {
          if (!Object.hasOwn(data, key)) return false;
          delete data[key];
          return true;
        });
      },
      /** Counts this ChatApi's calls under way; when none is left, its leases end. */
      busy(delta) {
        busy += delta;
        if (busy <= 0) {
          busy = 0;
          if (located) located.then(({ state }) => releaseOwned(state), () => {});
        }
      },
    };
  };

  const plain = view(); // used directly (no ChatApi): reads never take a lease
  return {
    get: (key) => plain.get(key),
    set: (key, value) => plain.set(key, value),
    remove: (key) => plain.remove(key),
    [SESSION_VIEW]: view,
  };
}
