// Asks LivePerson's App Engagement API whether Click to Chat is available, from Node.
// The session (visitor and session ids) is kept in a JSON file, so running this twice
// reuses the same visitor instead of creating a new one in the agents' Visitor List.
//
//   node check.mjs --account 12345678                  # real LivePerson, host looked up via CSDS
//   node check.mjs --account demo --sim http://127.0.0.1:8081   # the local simulator
import { createChatApi } from 'appengage';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { homedir } from 'node:os';

const { values } = parseArgs({
  options: {
    account: { type: 'string' },
    sim: { type: 'string' },
    session: { type: 'string', default: join(homedir(), '.appengage-example-session.json') },
    reset: { type: 'boolean', default: false },
  },
});
if (!values.account) {
  console.error('usage: node check.mjs --account ID [--sim http://127.0.0.1:PORT] [--session FILE] [--reset]');
  process.exit(2);
}

const api = await createChatApi({
  accountId: values.account,
  ...(values.sim ? { csdsDomain: values.sim } : {}),
  storage: { file: values.session },
});
try {
  if (values.reset) await api.resetSession();
  const res = await api.getEngagement({
    appType: 'EXTERNAL',
    appDetails: { ...osName(), deviceFamily: 'DESKTOP', appVersion: '1.0.0' },
    consumerSections: ['node-example'],
  });
  // Print the answer and the ids; never SDE contents.
  console.log(JSON.stringify({
    status: res.status,
    visitorId: res.visitorId,
    sessionId: res.sessionId,
    pageId: res.pageId,
    engagementId: res.engagementDetails?.engagementId ?? null,
  }));
} catch (err) {
  console.error(`getEngagement failed: ${err.code}: ${err.message}`);
  process.exitCode = 1;
} finally {
  api.close?.();
}

// appDetails.os takes LivePerson's names; other platforms leave it out.
function osName() {
  const os = { win32: 'WINDOWS', darwin: 'MAC_OSX', linux: 'LINUX', android: 'ANDROID' }[process.platform];
  return os ? { os } : {};
}
