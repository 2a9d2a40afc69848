// IndexedDB in promises: the few helpers the outbox (live.js), the alarm (visit.js) and the
// rope card (ropecard.js) share. Each keeps its own database, deleted at sign-out.

export function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function finished(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = transaction.onerror = () => reject(transaction.error);
  });
}

// A database with one object store, made on first use; it closes itself when signing out
// deletes it, so the deletion is never blocked.
export async function openStore(name, store, keyPath) {
  const request = indexedDB.open(name, 1);
  request.onupgradeneeded = () => request.result.createObjectStore(store, { keyPath });
  const db = await done(request);
  db.onversionchange = () => db.close();
  return db;
}

// Reading must not create a database (opening one does): after sign-out the device holds
// none of Ropeteam's.
export async function exists(name) {
  if (!indexedDB.databases) return true;
  return (await indexedDB.databases()).some((database) => database.name === name);
}

export function remove(name) {
  return done(indexedDB.deleteDatabase(name));
}
