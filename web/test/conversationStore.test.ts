// @vitest-environment node
// IndexedDB storage (fake-indexeddb) and the capability check that keeps a browser
// without IndexedDB or WebCrypto out of encrypted conversations.
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ConversationStore } from '../src/conversation/storage';
import { missingCapability } from '../src/conversation/support';

describe('ConversationStore', () => {
  it('keeps identities and sessions per member, and starts a session empty', async () => {
    const factory = new IDBFactory();
    const store = await ConversationStore.open(factory);
    expect(await store.identity('m1')).toBeNull();
    await store.saveIdentity({
      memberId: 'm1',
      signKey: new Uint8Array([1]),
      publicKey: new Uint8Array([2]),
      keyPackages: [],
    });
    const fresh = await store.session('m1', 's1');
    expect(fresh).toEqual({ key: 'm1/s1', state: null, cursor: 0, messages: [], timerSeconds: 0 });
    fresh.cursor = 7;
    fresh.state = new Uint8Array([9, 9]);
    await store.saveSession(fresh);
    store.close();

    const again = await ConversationStore.open(factory);
    expect((await again.identity('m1'))?.publicKey).toEqual(new Uint8Array([2]));
    expect((await again.session('m1', 's1')).cursor).toBe(7);
    expect((await again.session('m2', 's1')).cursor).toBe(0);
    again.close();
  });
});

describe('missingCapability', () => {
  it('names IndexedDB first, then WebCrypto, and passes a capable browser', async () => {
    const noIdb = { crypto: globalThis.crypto } as unknown as typeof globalThis;
    expect(await missingCapability(noIdb)).toBe('indexeddb');
    const noCrypto = { indexedDB: new IDBFactory() } as unknown as typeof globalThis;
    expect(await missingCapability(noCrypto)).toBe('webcrypto');
    const noEd25519 = {
      indexedDB: new IDBFactory(),
      crypto: {
        getRandomValues: () => undefined,
        subtle: { generateKey: () => Promise.reject(new Error('NotSupportedError')) },
      },
    } as unknown as typeof globalThis;
    expect(await missingCapability(noEd25519)).toBe('webcrypto');
    const capable = { indexedDB: new IDBFactory(), crypto: globalThis.crypto } as unknown as typeof globalThis;
    expect(await missingCapability(capable)).toBeNull();
  });
});
