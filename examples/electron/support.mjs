// The main-process half, kept free of Electron imports so it runs (and is tested) under
// plain Node: a ChatApi from appengage's Node entry that keeps its session in a JSON file
// in the app's data folder and sends its requests through the fetch it is given (Electron's
// net.fetch, which honours the system proxy and certificates).
import { createChatApi } from 'appengage';
import { join } from 'node:path';

/**
 * Starts watching whether Click to Chat is available.
 * @param {object} o
 * @param {string} o.accountId     LivePerson account id
 * @param {string} o.dataDir       folder for the session file (app.getPath('userData'))
 * @param {typeof fetch} o.fetch   net.fetch in Electron, globalThis.fetch under Node
 * @param {string} [o.csdsDomain]  only for the local simulator; unset = api.liveperson.net
 * @param {(state: 'available'|'notavailable'|'error', detail: object) => void} o.onState
 * @returns {Promise<{api: object, stop: () => void}>}
 */
export async function watchSupport({ accountId, dataDir, fetch, csdsDomain, onState, intervalMs = 60_000 }) {
  const api = await createChatApi({
    accountId,
    fetch,
    storage: { file: join(dataDir, 'appengage-session.json') },
    ...(csdsDomain ? { csdsDomain } : {}),
  });
  const stop = api.watchEngagement(
    { appType: 'EXTERNAL', appDetails: { deviceFamily: 'DESKTOP' }, consumerSections: ['electron-main'] },
    { intervalMs },
    (response, error) => {
      if (error) onState('error', { code: error.code, message: error.message });
      else onState(response.status === 'Available' ? 'available' : 'notavailable', response);
    },
  );
  return { api, stop };
}
