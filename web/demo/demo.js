// The Click-to-Chat demo: one ChatApi from the browser ESM entry, the package's
// <appengage-chat-button> using it, and controls for the session, SDEs and the simulator's scenario.
// Nothing here prints SDE values: the event log names the SDE type only.

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

/** Scenarios of the simulator's control API (PUT /sim/v1/accounts/{id}). */
const scenarios = {
  available: () => ({ availability: 'Available' }),
  notavailable: () => ({ availability: 'NotAvailable' }),
  flap: () => ({ availability: 'flap', flapSeconds: clampInt($('flap-seconds').value, 1, 3600, 6) }),
  loading: () => ({ availability: 'Available', loadingCalls: 2 }),
  failing: () => ({ availability: 'Available', failCalls: 2, failStatus: 503 }),
  ratelimit: () => ({ availability: 'Available', rateLimitCalls: 1, retryAfterSeconds: 1 }),
  slow: () => ({ availability: 'Available', delayMs: 1500 }),
};

/** Sample SDEs, made-up data. Sent to the simulator; never logged. */
const sampleSDEs = {
  cart: { type: 'cart', total: 49.5, currency: 'USD', numItems: 2,
    products: [{ product: { name: 'Headset', category: 'audio', sku: 'HS-1', price: 24.75 }, quantity: 2 }] },
  lead: { type: 'lead', lead: { topic: 'upgrade', value: 49.5, currency: 'USD', leadId: 'L-17' } },
  service: { type: 'service', service: { topic: 'order status', status: 1, category: 'shipping', serviceId: 'S-204' } },
  ctmrinfo: { type: 'ctmrinfo', info: { ctype: 'gold', customerId: 'c-991', balance: -12.5, currency: 'USD' } },
  personal: { type: 'personal', personal: { firstname: 'Ada', lastname: 'Example', gender: 'FEMALE', language: 'en-US',
    contacts: [{ email: 'ada@example.com', phone: '+1 555 0100', phoneType: 'MOBILE' }] } },
};

function clampInt(v, min, max, dflt) {
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
}

function log(text) {
  const li = document.createElement('li');
  const t = document.createElement('time');
  const now = new Date();
  t.dateTime = now.toISOString();
  t.textContent = now.toLocaleTimeString();
  li.append(t, text);
  $('log').prepend(li);
  while ($('log').children.length > 60) $('log').lastElementChild.remove();
}

// "code: message" without repeating the code the message may already start with.
function describeError(err) {
  if (!err) return 'unknown error';
  const msg = String(err.message || err).replace(/^appengage: /, '');
  return err.code && !msg.startsWith(`${err.code}:`) ? `${err.code}: ${msg}` : msg;
}

// The element shows the state; the page adds the error's details under it.
function showError(detail) {
  const errorBox = $('chat-error');
  errorBox.hidden = !detail;
  errorBox.textContent = detail || '';
}

// Shows the ids of a getEngagement response ({visitorId, sessionId, pageId}) or of
// api.session() ({vid, sid, pageId}).
function showIds(s) {
  $('vid').textContent = s?.visitorId || s?.vid || '—';
  $('sid').textContent = s?.sessionId || s?.sid || '—';
  $('pageid').textContent = s?.pageId || '—';
}

async function loadConfig() {
  const res = await fetch('/config.json');
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const cfg = await res.json();
  return {
    simulator: cfg.simulator,
    accountId: params.get('account') || cfg.accountId,
    intervalMs: clampInt(params.get('interval'), 1, 3600, 3) * 1000,
    // LivePerson's policy waits 5, 10 and 15 s between retries; the demo waits 1, 2 and 3 s
    // so a visitor can watch them (?retry=ms,ms,… overrides, ?retry= with nothing turns them off).
    retryDelaysMs: params.has('retry')
      ? params.get('retry').split(',').filter(Boolean).map((v) => clampInt(v, 0, 60_000, 1000))
      : [1000, 2000, 3000],
  };
}

async function simControl(cfg, method, path, body) {
  const res = await fetch(cfg.simulator + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: HTTP ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

// The documented fields first, in the documented order, then anything else the server sent.
function ordered(res) {
  const first = ['status', 'visitorId', 'sessionId', 'pageId', 'engagementDetails'];
  const detailOrder = ['campaignId', 'engagementId', 'contextId', 'windowId', 'language', 'engagementRevision',
    'validForSeconds', 'skillId', 'skillName', 'connectorId'];
  const sortBy = (obj, order) => Object.fromEntries(Object.entries(obj).sort(([a], [b]) => {
    const ia = order.indexOf(a) === -1 ? order.length : order.indexOf(a);
    const ib = order.indexOf(b) === -1 ? order.length : order.indexOf(b);
    return ia - ib || a.localeCompare(b);
  }));
  const out = sortBy(res, first);
  if (out.engagementDetails && typeof out.engagementDetails === 'object') {
    out.engagementDetails = sortBy(out.engagementDetails, detailOrder);
  }
  return out;
}

async function main() {
  const chat = $('chat-button'); // <appengage-chat-button>, defined once the package is imported
  let cfg;
  try {
    cfg = await loadConfig();
  } catch (err) {
    showError(describeError(err));
    return;
  }
  $('account').textContent = cfg.accountId;
  $('simulator').textContent = cfg.simulator;
  $('interval').textContent = `${cfg.intervalMs / 1000} s, retries after ${cfg.retryDelaysMs.map((ms) => `${ms / 1000} s`).join(', ') || 'none'}`;

  const refreshStats = pollSimulator(cfg);
  wireScenario(cfg);

  let api;
  try {
    // Imported here, not at the top, so a missing or broken package shows up on the page.
    const { createChatApi } = await import('/appengage/browser.js');
    api = await createChatApi({
      accountId: cfg.accountId,
      csdsDomain: cfg.simulator, // the msdkgw host is looked up through the simulator's CSDS
      retry: { delaysMs: cfg.retryDelaysMs },
    });
  } catch (err) {
    showError(`The ChatApi did not start: ${describeError(err)}`);
    log(`ChatApi failed to start: ${describeError(err)}`);
    return;
  }
  log('ChatApi ready');
  try { showIds(await api.session()); } catch { /* shown once the first answer arrives */ }

  // The element uses the page's ChatApi (shortened retries, the same session) and this
  // request; it watches, reports impDisplay/impAccept and tells the page through events.
  chat.addEventListener('engagement', (ev) => {
    const res = ev.detail;
    setTimeout(refreshStats, 200);
    showError(null);
    $('chat-opened').hidden = true;
    $('response').textContent = JSON.stringify(ordered(res), null, 2);
    showIds(res);
    if (res.status === 'Available') {
      log(`Available (engagement ${res.engagementDetails?.engagementId}, valid ${res.engagementDetails?.validForSeconds} s)`);
    } else {
      log('NotAvailable');
    }
  });
  chat.addEventListener('error', (ev) => {
    setTimeout(refreshStats, 200);
    if (chat.state === 'error') showError(describeError(ev.detail));
    $('chat-opened').hidden = true;
    log(`${chat.state === 'error' ? 'check failed' : 'impression not reported'} — ${describeError(ev.detail)}`);
  });
  chat.addEventListener('chat', (ev) => {
    const d = ev.detail.engagementDetails;
    $('chat-opened').hidden = false;
    $('chat-opened').textContent = `A chat window would open here (engagement ${d.engagementId}, context ${d.contextId}, ${d.language}).`;
    log('chat requested (the element reports impAccept)');
    setTimeout(refreshStats, 300);
  });
  chat.setAttribute('interval', String(cfg.intervalMs / 1000));
  chat.request = { appType: 'EXTERNAL', appDetails: { deviceFamily: 'DESKTOP', appVersion: '1.0.0' } };
  chat.api = api;
  await import('/appengage/button.js');

  $('sde-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const type = $('sde-type').value;
    const out = $('sde-result');
    $('sde-send').disabled = true;
    out.className = 'result';
    out.textContent = `Sending ${type}…`;
    try {
      await api.updateSession({ engagementAttributes: [structuredClone(sampleSDEs[type])] });
      out.className = 'result ok';
      out.textContent = `Sent a ${type} SDE to the current session.`;
      log(`SDE ${type} sent`);
      refreshStats();
    } catch (err) {
      out.className = 'result bad';
      out.textContent = describeError(err);
      log(`SDE ${type} failed — ${describeError(err)}`);
    } finally {
      $('sde-send').disabled = false;
    }
  });

  $('reset-session').addEventListener('click', async () => {
    $('reset-session').disabled = true;
    // Out of the page the element stops watching (a question under way is cancelled), so
    // nothing stores the old session again; back in, it starts over with a new visitor.
    const place = [chat.parentNode, chat.nextSibling];
    chat.remove();
    try {
      await api.resetSession();
      showIds(null);
      $('response').textContent = '—';
      log('session reset: the next check creates a new visitor');
    } catch (err) {
      log(`reset failed — ${describeError(err)}`);
    } finally {
      place[0].insertBefore(chat, place[1]);
      $('reset-session').disabled = false;
    }
  });
}

function wireScenario(cfg) {
  const out = $('scenario-result');
  const path = `/sim/v1/accounts/${encodeURIComponent(cfg.accountId)}`;
  $('scenario-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = new FormData(ev.target).get('scenario');
    const body = scenarios[name]();
    try {
      await simControl(cfg, 'PUT', path, body);
      out.className = 'result ok';
      out.textContent = `Simulator now: ${JSON.stringify(body)}`;
      log(`scenario → ${name}`);
    } catch (err) {
      out.className = 'result bad';
      out.textContent = describeError(err);
    }
  });
  $('scenario-clear').addEventListener('click', async () => {
    try {
      await simControl(cfg, 'DELETE', path);
      $('scenario-form').elements.scenario.value = 'available';
      out.className = 'result ok';
      out.textContent = 'Simulator back to its default (Available).';
      log('scenario → default');
    } catch (err) {
      out.className = 'result bad';
      out.textContent = describeError(err);
    }
  });
}

function pollSimulator(cfg) {
  const q = `?account=${encodeURIComponent(cfg.accountId)}`;
  const tick = async () => {
    try {
      const stats = await simControl(cfg, 'GET', `/sim/v1/stats${q}`);
      for (const k of ['visitors', 'sessions', 'createCalls', 'updateCalls', 'sdes']) {
        const el = $(`stat-${k}`);
        if (el) el.textContent = stats?.[k] ?? 0;
      }
      const imps = stats?.impressions || {};
      const total = Object.values(imps).reduce((a, b) => a + Number(b || 0), 0);
      const kinds = Object.entries(imps).filter(([, v]) => Number(v) > 0).map(([k, v]) => `${k} ${v}`);
      $('stat-impressions').textContent = total ? `${total} (${kinds.join(', ')})` : '0';
      const reqs = await simControl(cfg, 'GET', `/sim/v1/requests${q}`);
      const list = Array.isArray(reqs) ? reqs : (reqs?.requests || []);
      const ol = $('requests');
      const shown = list.filter((r) => ['csds', 'create', 'update'].includes(r.kind));
      ol.replaceChildren(...shown.slice(-10).reverse().map((r) => {
        const li = document.createElement('li');
        li.className = `s${String(r.status)[0]}`;
        li.textContent = describeRequest(r);
        return li;
      }));
    } catch {
      $('stat-visitors').textContent = 'simulator unreachable';
    }
  };
  tick();
  setInterval(tick, 2000);
  return tick;
}

// One line of the simulator's request log: what the call was and how it was answered.
// The log carries SDE and impression types only, never their values.
function describeRequest(r) {
  const what = { csds: 'CSDS lookup', create: 'Create Session', update: 'Update Session' }[r.kind] || r.kind;
  const parts = [`${r.status}`, what];
  if (r.kind === 'create' && !r.vid) parts.push('(new visitor)');
  if (r.internalCode) parts.push(`code ${r.internalCode}`);
  const types = [...(r.sdeTypes || []), ...(r.impressionTypes || [])];
  if (types.length) parts.push(`[${types.join(', ')}]`);
  return parts.join(' ');
}

main();
