// SFrame (RFC 9605) for encoded WebRTC frames, with keys from the MLS exporter (§5.2).
//
//   sframe_epoch_secret = MLS-Exporter("SFrame 1.0", "", 32)            per MLS epoch
//   base_key            = HKDF-Expand(sframe_epoch_secret, sender_index as u64, 32)
//   KID                 = (sender_index << EPOCH_BITS) | (epoch mod 2^EPOCH_BITS)
//   sframe_key  = HKDF(base_key, salt="", "SFrame 1.0 Secret key "  || KID u64 || suite u16, 16)
//   sframe_salt = HKDF(base_key, salt="", "SFrame 1.0 Secret salt " || KID u64 || suite u16, 12)
//   nonce       = sframe_salt XOR CTR (left-padded)
//
// Frame on the wire:  clear codec prefix ‖ SFrame header ‖ AES-128-GCM(frame rest)
// with AAD = SFrame header ‖ clear prefix.  Deviation from RFC 9605, which encrypts the whole
// frame: the first bytes of each frame (VP8 payload header: 10 bytes on key frames, 3 on
// delta frames; Opus TOC: 1 byte) stay readable so that the SFU and the browser's
// packetizer find key frames; they are authenticated. docs/media.md lists the deviations.

export const CIPHER_SUITE = 0x0004; // AES_128_GCM_SHA256_128
export const EPOCH_BITS = 4;
export const EXPORTER_LABEL = 'SFrame 1.0';
export const EXPORTER_LENGTH = 32;
const KEY_BYTES = 16;
const SALT_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const subtle = (): SubtleCrypto => globalThis.crypto.subtle;

export function u64(value: bigint | number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Buffers WebCrypto accepts under TypeScript's strict ArrayBuffer typing. */
function buf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** HKDF-Expand (RFC 5869) for outputs of at most one SHA-256 block. */
export async function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  if (length > 32) throw new RangeError('hkdfExpand: at most 32 bytes');
  const key = await subtle().importKey('raw', buf(prk), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const block = new Uint8Array(await subtle().sign('HMAC', key, buf(concat(info, new Uint8Array([1])))));
  return block.slice(0, length);
}

async function hkdf(ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new ArrayBuffer(0), info: buf(info) },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

export function keyId(senderIndex: number, epoch: number): bigint {
  return (BigInt(senderIndex) << BigInt(EPOCH_BITS)) | BigInt(epoch % (1 << EPOCH_BITS));
}

export function splitKeyId(kid: bigint): { senderIndex: number; epochBits: number } {
  return { senderIndex: Number(kid >> BigInt(EPOCH_BITS)), epochBits: Number(kid & BigInt((1 << EPOCH_BITS) - 1)) };
}

export interface SFrameKey {
  kid: bigint;
  key: CryptoKey;
  salt: Uint8Array;
}

export async function baseKey(epochSecret: Uint8Array, senderIndex: number): Promise<Uint8Array> {
  return hkdfExpand(epochSecret, u64(senderIndex), 32);
}

export async function deriveKey(base: Uint8Array, kid: bigint): Promise<SFrameKey> {
  const suffix = concat(u64(kid), new Uint8Array([CIPHER_SUITE >> 8, CIPHER_SUITE & 0xff]));
  const rawKey = await hkdf(base, concat(encoder.encode('SFrame 1.0 Secret key '), suffix), KEY_BYTES);
  const salt = await hkdf(base, concat(encoder.encode('SFrame 1.0 Secret salt '), suffix), SALT_BYTES);
  const key = await subtle().importKey('raw', buf(rawKey), 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { kid, key, salt };
}

/** Minimal big-endian bytes of ``value`` (at least one byte). */
function minimal(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  } while (rest > 0n);
  return new Uint8Array(bytes);
}

/** RFC 9605 §4.3 header: config byte X|K|Y|C, then the long KID and CTR fields. */
export function encodeHeader(kid: bigint, ctr: bigint): Uint8Array {
  let config = 0;
  const parts: Uint8Array[] = [];
  if (kid < 8n) config |= Number(kid) << 4;
  else {
    const k = minimal(kid);
    if (k.length > 8) throw new RangeError('KID too large');
    config |= 0x80 | ((k.length - 1) << 4);
    parts.push(k);
  }
  if (ctr < 8n) config |= Number(ctr);
  else {
    const c = minimal(ctr);
    if (c.length > 8) throw new RangeError('CTR too large');
    config |= 0x08 | (c.length - 1);
    parts.push(c);
  }
  return concat(new Uint8Array([config]), ...parts);
}

export class SFrameError extends Error {}

export function decodeHeader(data: Uint8Array, offset = 0): { kid: bigint; ctr: bigint; length: number } {
  const config = data[offset];
  if (config === undefined) throw new SFrameError('empty frame');
  let pos = offset + 1;
  const read = (n: number): bigint => {
    if (pos + n > data.length) throw new SFrameError('truncated header');
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(data[pos + i] ?? 0);
    pos += n;
    return v;
  };
  const kid = config & 0x80 ? read(((config >> 4) & 0x7) + 1) : BigInt((config >> 4) & 0x7);
  const ctr = config & 0x08 ? read((config & 0x7) + 1) : BigInt(config & 0x7);
  return { kid, ctr, length: pos - offset };
}

function nonce(salt: Uint8Array, ctr: bigint): Uint8Array {
  const out = salt.slice();
  for (let i = 0; i < 8; i++) {
    const index = out.length - 1 - i;
    out[index] = (out[index] ?? 0) ^ Number((ctr >> BigInt(8 * i)) & 0xffn);
  }
  return out;
}

/** Encrypt one frame; the first ``clearBytes`` stay readable and authenticated. */
export async function encryptFrame(
  key: SFrameKey,
  ctr: bigint,
  frame: Uint8Array,
  clearBytes: number,
): Promise<Uint8Array> {
  const clear = frame.subarray(0, Math.min(clearBytes, frame.length));
  const header = encodeHeader(key.kid, ctr);
  const sealed = await subtle().encrypt(
    { name: 'AES-GCM', iv: buf(nonce(key.salt, ctr)), additionalData: buf(concat(header, clear)), tagLength: 128 },
    key.key,
    buf(frame.subarray(clear.length)),
  );
  return concat(clear, header, new Uint8Array(sealed));
}

/** The KID of an encrypted frame, or null when it is not one. */
export function peekKeyId(data: Uint8Array, clearBytes: number): bigint | null {
  try {
    return decodeHeader(data, Math.min(clearBytes, data.length)).kid;
  } catch {
    return null;
  }
}

export async function decryptFrame(key: SFrameKey, data: Uint8Array, clearBytes: number): Promise<Uint8Array> {
  const clearLength = Math.min(clearBytes, data.length);
  const clear = data.subarray(0, clearLength);
  const { kid, ctr, length } = decodeHeader(data, clearLength);
  if (kid !== key.kid) throw new SFrameError('wrong key id');
  const header = data.subarray(clearLength, clearLength + length);
  const body = data.subarray(clearLength + length);
  if (body.length < TAG_BYTES) throw new SFrameError('truncated frame');
  let plain: ArrayBuffer;
  try {
    plain = await subtle().decrypt(
      { name: 'AES-GCM', iv: buf(nonce(key.salt, ctr)), additionalData: buf(concat(header, clear)), tagLength: 128 },
      key.key,
      buf(body),
    );
  } catch {
    throw new SFrameError('authentication failed');
  }
  return concat(clear, new Uint8Array(plain));
}

/** How many leading bytes of a frame stay clear: VP8 payload header, Opus TOC. */
export function clearBytesFor(kind: 'audio' | 'video', frameType: string | undefined): number {
  if (kind === 'audio') return 1;
  return frameType === 'key' ? 10 : 3;
}
