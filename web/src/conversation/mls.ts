// The few ts-mls 1.6.4 operations the conversation needs, in one place, with the
// work-arounds for its known behaviour (shared notes on ts-mls, docs/delivery.md):
//
// * external_pub: RFC 9420 §12.4.3.2 encodes ExternalPub as `opaque external_pub<V>`
//   (a length prefix, then the key). ts-mls 1.6.4 writes and reads the bare key, so
//   we build GroupInfos ourselves with the prefix, and hand joinGroupExternal a view
//   of the GroupInfo whose external_pub lookup returns the bare key while its
//   signature is still checked over the bytes as received.
// * The sender of an application message is not returned by processMessage, so we
//   read it from the PrivateMessage's sender data (decrypted with the epoch's
//   sender_data_secret) before processing; processMessage then authenticates it.
import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroupExternal,
  mlsExporter,
  processMessage,
  type CiphersuiteImpl,
  type ClientState,
  type GroupInfo,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
} from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { encode } from 'ts-mls/codec/tlsEncoder.js';
import { createGroupInfo } from 'ts-mls/createCommit.js';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { decodeRatchetTree, ratchetTreeEncoder } from 'ts-mls/ratchetTree.js';
import { fromUtf8, utf8 } from './bytes';
import { VERIFICATION_BYTES, VERIFICATION_LABEL } from './verification';

export type { ClientState } from 'ts-mls';

/** MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, as the Python client uses. */
export const SUITE_NAME = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

let suite: Promise<CiphersuiteImpl> | null = null;
export function suiteImpl(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(SUITE_NAME));
  return suite;
}

export interface SignatureKeys {
  signKey: Uint8Array;
  publicKey: Uint8Array;
}

export async function newSignatureKeys(): Promise<SignatureKeys> {
  const impl = await suiteImpl();
  return impl.signature.keygen();
}

export interface KeyPackageBundle {
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
}

export async function newKeyPackage(memberId: string, keys: SignatureKeys): Promise<KeyPackageBundle> {
  const impl = await suiteImpl();
  return generateKeyPackageWithKey(
    { credentialType: 'basic', identity: utf8(memberId) },
    defaultCapabilities(),
    defaultLifetime,
    [],
    keys,
    impl,
  );
}

export function encodeKeyPackage(keyPackage: KeyPackage): Uint8Array {
  return encodeMlsMessage({ keyPackage, wireformat: 'mls_key_package', version: 'mls10' });
}

function decodeMessage(data: Uint8Array): MLSMessage {
  const decoded = decodeMlsMessage(data, 0);
  if (decoded === undefined) throw new Error('not an MLS message');
  return decoded[0];
}

/** The GroupInfo of ``state``'s epoch, with external_pub (RFC encoding) and the ratchet tree. */
export async function groupInfoOf(state: ClientState): Promise<Uint8Array> {
  const impl = await suiteImpl();
  const pair = await impl.hpke.deriveKeyPair(state.keySchedule.externalSecret);
  const pub = await impl.hpke.exportPublicKey(pair.publicKey);
  const externalPub = new Uint8Array(1 + pub.length);
  externalPub[0] = pub.length; // a one-byte varint: keys are shorter than 64 bytes
  externalPub.set(pub, 1);
  const info = await createGroupInfo(
    state.groupContext,
    state.confirmationTag,
    state,
    [
      { extensionType: 'external_pub', extensionData: externalPub },
      { extensionType: 'ratchet_tree', extensionData: encode(ratchetTreeEncoder)(state.ratchetTree) },
    ],
    impl,
  );
  return encodeMlsMessage({ groupInfo: info, wireformat: 'mls_group_info', version: 'mls10' });
}

/** ``info`` as joinGroupExternal (1.6.4) reads it: external_pub without its length prefix. */
function forTsMls(info: GroupInfo): GroupInfo {
  const extensions = [...info.extensions];
  const find = Array.prototype.find;
  extensions.find = function (this: typeof extensions, predicate: Parameters<typeof find>[0]) {
    const found = find.call(this, predicate) as (typeof extensions)[number] | undefined;
    if (found === undefined || found.extensionType !== 'external_pub') return found;
    const data = found.extensionData;
    const length = data[0] ?? 0;
    if (length >= 64 || data.length !== 1 + length) throw new Error('external_pub is not an opaque<V>');
    return { ...found, extensionData: data.subarray(1) };
  } as typeof extensions.find;
  return { ...info, extensions };
}

export async function newGroup(groupId: string, bundle: KeyPackageBundle): Promise<ClientState> {
  const impl = await suiteImpl();
  return createGroup(utf8(groupId), bundle.publicPackage, bundle.privatePackage, [], impl);
}

/** Whether the GroupInfo's tree already holds a leaf with this signature key (ours). */
function hasLeafWithKey(info: GroupInfo, signaturePublicKey: Uint8Array): boolean {
  const extension = info.extensions.find((ext) => ext.extensionType === 'ratchet_tree');
  const tree = extension === undefined ? undefined : decodeRatchetTree(extension.extensionData, 0)?.[0];
  return (tree ?? []).some(
    (node) =>
      node !== undefined &&
      node.nodeType === 'leaf' &&
      node.leaf.signaturePublicKey.length === signaturePublicKey.length &&
      node.leaf.signaturePublicKey.every((byte, i) => byte === signaturePublicKey[i]),
  );
}

/**
 * An external commit into the group. When the tree still holds a leaf of ours (history
 * expired, or state lost), the commit also removes it: RFC 9420 §12.4.3.2 resync.
 */
export async function joinExternal(
  groupInfo: Uint8Array,
  bundle: KeyPackageBundle,
): Promise<{ state: ClientState; commit: Uint8Array }> {
  const impl = await suiteImpl();
  const message = decodeMessage(groupInfo);
  if (message.wireformat !== 'mls_group_info') throw new Error('expected a GroupInfo');
  const resync = hasLeafWithKey(message.groupInfo, bundle.publicPackage.leafNode.signaturePublicKey);
  const { publicMessage, newState } = await joinGroupExternal(
    forTsMls(message.groupInfo),
    bundle.publicPackage,
    bundle.privatePackage,
    resync,
    impl,
  );
  const commit = encodeMlsMessage({ publicMessage, wireformat: 'mls_public_message', version: 'mls10' });
  return { state: newState, commit };
}

export async function encrypt(
  state: ClientState,
  data: Uint8Array,
): Promise<{ state: ClientState; message: Uint8Array }> {
  const impl = await suiteImpl();
  const result = await createApplicationMessage(state, data, impl);
  const message = encodeMlsMessage({
    privateMessage: result.privateMessage,
    wireformat: 'mls_private_message',
    version: 'mls10',
  });
  return { state: result.newState, message };
}

/** A commit removing ``leaves``; ``state`` is the epoch it creates (merge when it is in the log). */
export async function commitRemovals(
  state: ClientState,
  leaves: number[],
): Promise<{ state: ClientState; commit: Uint8Array; groupInfo: Uint8Array }> {
  const impl = await suiteImpl();
  const result = await createCommit(
    { state, cipherSuite: impl },
    { extraProposals: leaves.map((removed) => ({ proposalType: 'remove', remove: { removed } })) },
  );
  return {
    state: result.newState,
    commit: encodeMlsMessage(result.commit),
    groupInfo: await groupInfoOf(result.newState),
  };
}

export type Processed =
  | { kind: 'application'; state: ClientState; data: Uint8Array; sender: string }
  | { kind: 'commit'; state: ClientState; removed: boolean }
  | { kind: 'other'; state: ClientState };

export async function processIncoming(state: ClientState, data: Uint8Array): Promise<Processed> {
  const impl = await suiteImpl();
  const message = decodeMessage(data);
  if (message.wireformat !== 'mls_private_message' && message.wireformat !== 'mls_public_message') {
    throw new Error('not a handshake or application message');
  }
  let senderLeaf: number | null = null;
  if (message.wireformat === 'mls_private_message' && message.privateMessage.contentType === 'application') {
    const senderData = await decryptSenderData(message.privateMessage, state.keySchedule.senderDataSecret, impl);
    senderLeaf = senderData?.leafIndex ?? null;
  }
  const result = await processMessage(message, state, emptyPskIndex, acceptAll, impl);
  if (result.kind === 'applicationMessage') {
    const sender = senderLeaf === null ? null : memberAt(state, senderLeaf);
    if (sender === null) throw new Error('unknown sender');
    return { kind: 'application', state: result.newState, data: result.message, sender };
  }
  // A commit that removes us leaves our epoch as it was (we cannot follow it).
  const removed = result.newState.groupActiveState.kind === 'removedFromGroup';
  const epochMoved = result.newState.groupContext.epoch !== state.groupContext.epoch;
  if (!epochMoved && !removed) return { kind: 'other', state: result.newState };
  return { kind: 'commit', state: result.newState, removed };
}

function identityOf(state: ClientState, leaf: number): string | null {
  const node = state.ratchetTree[leaf * 2];
  if (node === undefined || node.nodeType !== 'leaf') return null;
  const credential = node.leaf.credential;
  if (credential.credentialType !== 'basic') return null;
  return fromUtf8(credential.identity);
}

export function memberAt(state: ClientState, leaf: number): string | null {
  return identityOf(state, leaf);
}

/** (leaf index, member id) of every key holder. */
export function members(state: ClientState): [number, string][] {
  const out: [number, string][] = [];
  for (let leaf = 0; leaf * 2 < state.ratchetTree.length; leaf += 1) {
    const id = identityOf(state, leaf);
    if (id !== null) out.push([leaf, id]);
  }
  return out;
}

export function epochOf(state: ClientState): number {
  return Number(state.groupContext.epoch);
}

export function isActive(state: ClientState): boolean {
  return state.groupActiveState.kind === 'active';
}

export async function verificationSecret(state: ClientState): Promise<Uint8Array> {
  const impl = await suiteImpl();
  return mlsExporter(state.keySchedule.exporterSecret, VERIFICATION_LABEL, new Uint8Array(0), VERIFICATION_BYTES, impl);
}

export function saveState(state: ClientState): Uint8Array {
  return encodeGroupState(state);
}

export function loadState(data: Uint8Array): ClientState {
  const decoded = decodeGroupState(data, 0);
  if (decoded === undefined) throw new Error('stored group state does not decode');
  return { ...decoded[0], clientConfig: defaultClientConfig };
}

/** Our own leaf index in the tree (ts-mls keeps it with our private path keys). */
export function ownLeafIndex(state: ClientState): number {
  return state.privatePath.leafIndex;
}
