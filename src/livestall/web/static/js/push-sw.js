// Shows a Web Push message from Livestall, and opens the show when it is tapped.
self.addEventListener("push", (event) => {
  const data = event.data ? event.data.json() : {};
  event.waitUntil(self.registration.showNotification(data.title || "Livestall", {
    body: data.body || "", data: { url: data.url || "/" }, icon: "/static/img/logo.svg" }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(clients.openWindow(event.notification.data.url));
});
