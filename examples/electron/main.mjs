// Electron main process: a window whose renderer shows the Click-to-Chat button (browser ESM
// entry), and a tray-style application menu item that the main process keeps up to date
// through the Node entry. Run with `npm install && npm start` (set APPENGAGE_ACCOUNT, and
// APPENGAGE_SIM=http://127.0.0.1:8081 to use `make sim`).
import { app, BrowserWindow, Menu, ipcMain, net, protocol } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, normalize, sep } from 'node:path';
import { watchSupport } from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const config = {
  accountId: process.env.APPENGAGE_ACCOUNT || '12345678',
  csdsDomain: process.env.APPENGAGE_SIM || undefined,
};

// The renderer is served from app://bundle/ rather than file://, so fetch() of chatapi.wasm
// works and the page has a real origin for localStorage and its CSP.
protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

function serveBundle() {
  protocol.handle('app', (request) => {
    const { pathname } = new URL(request.url);
    const file = normalize(join(here, decodeURIComponent(pathname)));
    if (!file.startsWith(here + sep)) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
}

function setSupportMenu(label, enabled) {
  Menu.setApplicationMenu(Menu.buildFromTemplate([
    { role: 'fileMenu' },
    { label: 'Help', submenu: [{ label, enabled, click: () => BrowserWindow.getAllWindows()[0]?.webContents.send('appengage:open-chat') }] },
  ]));
}

app.whenReady().then(async () => {
  serveBundle();
  ipcMain.on('appengage:config', (event) => { event.returnValue = config; });
  setSupportMenu('Chat with support (checking…)', false);
  const { stop } = await watchSupport({
    ...config,
    dataDir: app.getPath('userData'),
    fetch: net.fetch,
    onState: (state) => setSupportMenu(
      state === 'available' ? 'Chat with support' : state === 'error' ? 'Support unreachable' : 'Support offline',
      state === 'available'),
  });
  app.on('before-quit', stop);

  const win = new BrowserWindow({
    width: 900,
    height: 640,
    webPreferences: { preload: join(here, 'preload.cjs'), contextIsolation: true, sandbox: true },
  });
  await win.loadURL('app://bundle/renderer/index.html');
});

app.on('window-all-closed', () => app.quit());
