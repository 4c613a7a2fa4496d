// Hands the renderer its configuration (account, optional simulator) from the main process.
const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('appengageConfig', ipcRenderer.sendSync('appengage:config'));
contextBridge.exposeInMainWorld('appengageEvents', {
  onOpenChat: (fn) => ipcRenderer.on('appengage:open-chat', () => fn()),
});
