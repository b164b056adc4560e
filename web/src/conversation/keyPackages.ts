// The member's identity (an Ed25519 signature key) and its KeyPackages: several
// one-time packages and one last-resort package, uploaded to POST /api/key-packages
// and topped up when the service says so (`ready.key_packages.top_up`).
import { toBase64 } from './bytes';
import type { HttpClient } from './http';
import * as mls from './mls';
import type { ConversationStore, Identity, StoredKeyPackage } from './storage';

export const ONE_TIME_TARGET = 10;

export async function loadIdentity(store: ConversationStore, memberId: string): Promise<Identity> {
  const existing = await store.identity(memberId);
  if (existing !== null) return existing;
  const keys = await mls.newSignatureKeys();
  const identity: Identity = { memberId, signKey: keys.signKey, publicKey: keys.publicKey, keyPackages: [] };
  await store.saveIdentity(identity);
  return identity;
}

export function keysOf(identity: Identity): mls.SignatureKeys {
  return { signKey: identity.signKey, publicKey: identity.publicKey };
}

export interface KeyPackageStatus {
  one_time_available: number;
  has_last_resort: boolean;
  top_up: boolean;
}

/** Upload enough one-time packages to reach the target, and a last-resort one if missing. */
export async function topUp(
  store: ConversationStore,
  http: HttpClient,
  identity: Identity,
  status: KeyPackageStatus,
): Promise<KeyPackageStatus> {
  if (!status.top_up) return status;
  const fresh: StoredKeyPackage[] = [];
  const make = async (lastResort: boolean): Promise<StoredKeyPackage> => {
    const bundle = await mls.newKeyPackage(identity.memberId, keysOf(identity));
    const stored = {
      data: mls.encodeKeyPackage(bundle.publicPackage),
      privatePackage: bundle.privatePackage,
      lastResort,
    };
    fresh.push(stored);
    return stored;
  };
  const oneTime: string[] = [];
  for (let i = status.one_time_available; i < ONE_TIME_TARGET; i += 1) oneTime.push(toBase64((await make(false)).data));
  const lastResort = status.has_last_resort ? null : toBase64((await make(true)).data);
  // Keep the private halves before the public ones leave: a Welcome may use any of them.
  identity.keyPackages.push(...fresh);
  await store.saveIdentity(identity);
  return http.request<KeyPackageStatus>('POST', '/api/key-packages', {
    key_packages: oneTime,
    ...(lastResort === null ? {} : { last_resort: lastResort }),
  });
}
