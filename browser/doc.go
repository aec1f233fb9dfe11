// Package browser drives a real headless Chromium through chromedp, pointed
// at fakes/fcm, so that a push message goes all the way into a service
// worker and back out as the exact bytes of event.data.
//
// Start runs Chromium (/usr/bin/chromium, or $PUSHSPEC_CHROME) headless as
// root (--no-sandbox), with a fresh user data directory, GCM's checkin,
// registration and MCS endpoints switched to the fake
// (--gcm-checkin-url, --gcm-registration-url, --gcm-mcs-endpoint) and
// certificate errors ignored for the fake's throwaway certificate. It grants
// the notifications and push permissions to the test page through the
// browser-level DevTools command Browser.setPermission, and opens the page,
// which a server on http://localhost:<port> serves from assets/ (embedded):
// localhost over HTTP is a secure context.
//
// Subscribe registers the service worker in a new scope (/s/<n>/) and calls
// pushManager.subscribe with the applicationServerKey; each scope is its own
// subscription, so one browser serves many. The service worker POSTs every
// push event's event.data bytes (or "null") to the page server, and
// Subscription.Received hands them out in order. A subscribe that stalls (a
// wrong backend makes it hang) fails after a deadline with an error that
// names the step it stalled at and carries the fake's state and the text of
// chrome://gcm-internals.
//
// One browser process serves a whole suite: a new DevTools browser context
// would not support push, so isolation is by profile, one process each.
// Chromium dies with the test process: the kernel kills it when the thread
// that started it ends (Pdeathsig), and Close kills its process group.
//
// What Chromium 156 was measured to do (see the browser suite): event.data
// is null for a payload that is not valid UTF-8; an aes128gcm record of 17
// octets (empty payload, no padding) is dropped; a connection that drops
// within 10 seconds of its login makes it back off for 5 to 20 seconds and
// more before reconnecting (fakes/fcm's Disconnect waits that out).
//
//	make chromium
//	go test ./browser
package browser
