// What the browser must offer before anyone joins an encrypted conversation.
// There is no fallback: without these the client says so and does not join.

export type Missing = 'indexeddb' | 'webcrypto';

/** null when everything is there, else what is missing. */
export async function missingCapability(scope: typeof globalThis = globalThis): Promise<Missing | null> {
  if (typeof scope.indexedDB === 'undefined' || scope.indexedDB === null) return 'indexeddb';
  const subtle = scope.crypto?.subtle;
  if (subtle === undefined || typeof scope.crypto.getRandomValues !== 'function') return 'webcrypto';
  try {
    // ts-mls signs with WebCrypto's Ed25519 whenever crypto.subtle exists, and
    // encrypts with AES-GCM and HMAC/HKDF from it.
    await subtle.generateKey('Ed25519', false, ['sign', 'verify']);
    await subtle.importKey('raw', new Uint8Array(16), { name: 'AES-GCM' }, false, ['encrypt']);
  } catch {
    return 'webcrypto';
  }
  return null;
}
