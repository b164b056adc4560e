// The gateway's binary frames around MLS messages (docs/delivery.md, "Frames"),
// as in src/indaba/delivery/frames.py.
//
// Client to server:  u8 kind (1 message, 2 commit, 3 create), u32 ref, then
//   kind 1: MLSMessage   kind 2: u32 n, commit[n], GroupInfo   kind 3: GroupInfo
// Server to client:  repeated { u64 seq, u32 n, MLSMessage[n] }.  Big-endian.

export const FRAME_MESSAGE = 1;
export const FRAME_COMMIT = 2;
export const FRAME_CREATE = 3;

function header(kind: number, ref: number, size: number): [Uint8Array, DataView] {
  const out = new Uint8Array(5 + size);
  const view = new DataView(out.buffer);
  view.setUint8(0, kind);
  view.setUint32(1, ref);
  return [out, view];
}

export function messageFrame(ref: number, message: Uint8Array): Uint8Array {
  const [out] = header(FRAME_MESSAGE, ref, message.length);
  out.set(message, 5);
  return out;
}

export function commitFrame(ref: number, commit: Uint8Array, groupInfo: Uint8Array): Uint8Array {
  const [out, view] = header(FRAME_COMMIT, ref, 4 + commit.length + groupInfo.length);
  view.setUint32(5, commit.length);
  out.set(commit, 9);
  out.set(groupInfo, 9 + commit.length);
  return out;
}

export function createFrame(ref: number, groupInfo: Uint8Array): Uint8Array {
  const [out] = header(FRAME_CREATE, ref, groupInfo.length);
  out.set(groupInfo, 5);
  return out;
}

export interface Entry {
  seq: number;
  data: Uint8Array;
}

/** Unpack a server frame into entries; throws on a broken frame. */
export function decodeEntries(frame: Uint8Array): Entry[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const out: Entry[] = [];
  let pos = 0;
  while (pos < frame.length) {
    if (pos + 12 > frame.length) throw new Error('truncated entry header');
    const seq = Number(view.getBigUint64(pos));
    const size = view.getUint32(pos + 8);
    pos += 12;
    if (pos + size > frame.length) throw new Error('truncated entry');
    out.push({ seq, data: frame.slice(pos, pos + size) });
    pos += size;
  }
  if (out.length === 0) throw new Error('empty server frame');
  return out;
}
