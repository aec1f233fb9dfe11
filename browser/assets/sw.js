// The service worker of one pushspec scope. For every push event it POSTs
// the exact bytes of event.data to /pushed/<scope>, or no body with
// X-Pushspec-Data: null when the event has no data, then shows the
// notification that userVisibleOnly promises.
const scope = new URL(self.registration.scope).pathname.split('/')[2];

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  event.waitUntil((async () => {
    const data = event.data ? event.data.arrayBuffer() : null;
    await fetch('/pushed/' + scope, {
      method: 'POST',
      headers: {'X-Pushspec-Data': data === null ? 'null' : 'bytes'},
      body: data === null ? '' : data,
    });
    try {
      await self.registration.showNotification('pushspec', {tag: 'pushspec', silent: true});
    } catch (e) {
      // Headless Chromium may have no notification center; the push counts.
    }
  })());
});
