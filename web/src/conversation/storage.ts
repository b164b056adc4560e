// What the browser keeps in IndexedDB ("indaba-conversation"), per dialogue member:
//   identities: memberId -> the Ed25519 signature key and the private halves of the
//               KeyPackages it uploaded
//   sessions:   "<memberId>/<sessionId>" -> MLS group state, log cursor, the
//               conversation as decrypted here, and the disappearing-messages timer
// Nothing here is sent anywhere; the server holds only ciphertext.
import type { PrivateKeyPackage } from 'ts-mls';

export const DB_NAME = 'indaba-conversation';
const DB_VERSION = 1;

export interface StoredKeyPackage {
  data: Uint8Array; // MLSMessage(KeyPackage), as uploaded
  privatePackage: PrivateKeyPackage;
  lastResort: boolean;
}

export interface Identity {
  memberId: string;
  signKey: Uint8Array;
  publicKey: Uint8Array;
  keyPackages: StoredKeyPackage[];
}

export interface StoredMessage {
  id: string;
  seq: number;
  sender: string;
  body: string;
  sentAt: number; // the sender's clock, never later than our receipt
  expiresAt: number | null;
  /** The interpreter's translation into this reader's language, if any. */
  translation?: { body: string; lang: string; route: string[]; engine: string };
}

export interface SessionRecord {
  key: string;
  state: Uint8Array | null;
  cursor: number;
  messages: StoredMessage[];
  timerSeconds: number;
  /** Display names and roles of everyone seen in the group, kept for old messages. */
  names?: Record<string, { displayName: string | null; role: string | null }>;
  /** "Keep my messages out of interpretation" (docs/interpretation.md). */
  interpretOptOut?: boolean;
}

export function sessionKey(memberId: string, sessionId: string): string {
  return `${memberId}/${sessionId}`;
}

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

export class ConversationStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(factory: IDBFactory = indexedDB): Promise<ConversationStore> {
    const request = factory.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('identities')) db.createObjectStore('identities', { keyPath: 'memberId' });
      if (!db.objectStoreNames.contains('sessions')) db.createObjectStore('sessions', { keyPath: 'key' });
    };
    return new ConversationStore(await promised(request));
  }

  close(): void {
    this.db.close();
  }

  private async get<T>(store: string, key: string): Promise<T | null> {
    const tx = this.db.transaction(store, 'readonly');
    const value = (await promised(tx.objectStore(store).get(key))) as T | undefined;
    return value ?? null;
  }

  private async put(store: string, value: unknown): Promise<void> {
    const tx = this.db.transaction(store, 'readwrite');
    tx.objectStore(store).put(value);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted'));
    });
  }

  identity(memberId: string): Promise<Identity | null> {
    return this.get<Identity>('identities', memberId);
  }

  saveIdentity(identity: Identity): Promise<void> {
    return this.put('identities', identity);
  }

  async session(memberId: string, sessionId: string): Promise<SessionRecord> {
    const key = sessionKey(memberId, sessionId);
    return (
      (await this.get<SessionRecord>('sessions', key)) ?? { key, state: null, cursor: 0, messages: [], timerSeconds: 0 }
    );
  }

  saveSession(record: SessionRecord): Promise<void> {
    return this.put('sessions', record);
  }
}
