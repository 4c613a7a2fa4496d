// Compiled by tests/node/types.test.mjs with tsc --strict: LivePerson's example and the
// documented API must type-check against web/index.d.ts, and misuse must not.
import { createChatApi, type AppEngageError, type EngagementRequest, type EngagementResponse } from '../../../web';

async function main(): Promise<void> {
  const ChatApi = await createChatApi({
    accountId: '12345678',
    onEngagement: (r: EngagementResponse) => console.log(r.status),
    onError: (e: AppEngageError) => console.error(e.code, e.status, e.internalCode, e.field, e.problems),
    retry: { delaysMs: [1000, 2000], minRateLimitWaitMs: 500, maxRateLimitWaitMs: 30000 },
    storage: { file: '/tmp/session.json' },
    strict: true,
    methodOverride: false,
  });

  // LivePerson's documented example, verbatim.
  ChatApi.getEngagement({
      "appType": "EXTERNAL",
      "vid": "123",
      "sid": "456",
      "appDetails": {
          "os": "MAC_OSX",
          "osVersion": "1.2",
          "appVersion": "1.0",
          "deviceFamily": "MOBILE",
          "ipAddress": "192.168.5.2"
      },
      "consumerSections": [
          "Support",
          "English",
          "Other"
      ],
      "engagementAttributes": [
          {
              "type": "personal",
              "personal": {
                  "contacts": [{"email": "test.com", "phone": "12345678"}, {"email": "test2.co.il", "phone": "98765430"}],
                  "age": {
                      "age": 30.0,
                      "year": 1985,
                      "month": 7,
                      "day": 22
                  },
                  "firstname": "test",
                  "lastname": "test2",
                  "gender": "FEMALE",
                  "company": "liveperson"
              }
          }
      ]
  });

  const ac = new AbortController();
  const r = await ChatApi.getEngagement({}, { signal: ac.signal, timeoutMs: 5000 });
  if (r.status === 'Available' && r.engagementDetails) {
    const display = ChatApi.impression('impDisplay', r.engagementDetails);
    await ChatApi.updateSession({ impAttributes: [display], engagementAttributes: [{ type: 'cart', total: 10, numItems: 1 }] });
  }
  const s = await ChatApi.session();
  if (s) console.log(s.vid, s.sid, s.pageId);
  const stop = ChatApi.watchEngagement({ consumerSections: ['x'] }, (resp, err) => console.log(resp?.status, err?.code), { intervalMs: 1000 });
  stop();
  await ChatApi.resetSession();
  ChatApi.close();

  const bad: EngagementRequest = {
    // @ts-expect-error: not an OS LivePerson accepts
    appDetails: { os: 'BEOS' },
  };
  // @ts-expect-error: impression events do not belong in engagementAttributes
  await ChatApi.getEngagement({ engagementAttributes: [{ type: 'impDisplay', campaign: 1, engId: 2, revision: 3 }] });
  // @ts-expect-error: accountId is required
  await createChatApi({});
  // @ts-expect-error: strict is a boolean
  await createChatApi({ accountId: '1', strict: 'yes' });
  // @ts-expect-error: the rate-limit pauses are numbers of milliseconds
  await createChatApi({ accountId: '1', retry: { maxRateLimitWaitMs: '60s' } });
  // @ts-expect-error: gender is an enum
  await ChatApi.getEngagement({ engagementAttributes: [{ type: 'personal', personal: { gender: 'F' } }] });
  void bad;
}
void main;
