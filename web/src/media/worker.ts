// The frame-encryption worker: SFrame on every encoded audio and video frame.
//
// Receives epochs ({type:'epoch'}) from the page, and streams either through
// RTCRtpScriptTransform (`rtctransform` events) or, on browsers with only
// createEncodedStreams, as transferred {readable, writable} pairs ({type:'streams'}).
// Keys of the previous epoch stay usable for GRACE_MS after a new epoch arrives.
import {
  EPOCH_BITS,
  type SFrameKey,
  baseKey,
  clearBytesFor,
  decryptFrame,
  deriveKey,
  encryptFrame,
  keyId,
  peekKeyId,
  splitKeyId,
} from './sframe';

export const GRACE_MS = 10_000;

interface Epoch {
  epoch: number;
  senderIndex: number;
  secret: Uint8Array;
  retiredAt: number | null;
  /** This epoch's derived sender keys, by KID. */
  keys: Map<bigint, Promise<SFrameKey>>;
}

interface StreamOptions {
  operation: 'encrypt' | 'decrypt';
  kind: 'audio' | 'video';
  id: string;
}

type EncodedFrame = RTCEncodedAudioFrame | RTCEncodedVideoFrame;

interface ScriptTransformer {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
  options: unknown;
}
interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  onrtctransform: ((event: { transformer: ScriptTransformer }) => void) | null;
}
const scope = self as unknown as WorkerScope;
const epochs: Epoch[] = [];
const counters = { ctr: 0n };
const stats = new Map<string, { ok: number; failed: number; kid: string | null }>();

function current(): Epoch | null {
  return epochs[epochs.length - 1] ?? null;
}

function keyFor(epoch: Epoch, senderIndex: number): Promise<SFrameKey> {
  const kid = keyId(senderIndex, epoch.epoch);
  let key = epoch.keys.get(kid);
  if (!key) {
    key = baseKey(epoch.secret, senderIndex).then((base) => deriveKey(base, kid));
    epoch.keys.set(kid, key);
  }
  return key;
}

function usableEpochs(now: number): Epoch[] {
  return epochs.filter((e) => e.retiredAt === null || now - e.retiredAt < GRACE_MS);
}

function setEpoch(epoch: Epoch | null): void {
  const now = Date.now();
  for (const e of epochs) if (e.retiredAt === null) e.retiredAt = now;
  // Forget keys past their grace period, and any older holder of the same epoch number
  // (a different secret for it: the new one wins).
  const kept = epoch === null ? [] : epochs.filter((e) => usableEpochs(now).includes(e) && e.epoch !== epoch.epoch);
  epochs.length = 0; // removed from the group (null): no key at all
  epochs.push(...kept);
  if (epoch) epochs.push(epoch);
  counters.ctr = 0n;
}

function count(id: string, ok: boolean, kid: bigint | null): void {
  const entry = stats.get(id) ?? { ok: 0, failed: 0, kid: null };
  if (ok) entry.ok++;
  else entry.failed++;
  entry.kid = kid === null ? entry.kid : kid.toString();
  stats.set(id, entry);
}

function transformer(options: StreamOptions): TransformStream<EncodedFrame, EncodedFrame> {
  return new TransformStream({
    async transform(frame, controller) {
      const data = new Uint8Array(frame.data);
      const frameType = 'type' in frame ? frame.type : undefined;
      const clear = clearBytesFor(options.kind, frameType);
      if (options.operation === 'encrypt') {
        const epoch = current();
        if (!epoch) return; // no key: send nothing rather than plaintext
        const key = await keyFor(epoch, epoch.senderIndex);
        counters.ctr += 1n;
        frame.data = (await encryptFrame(key, counters.ctr, data, clear)).buffer as ArrayBuffer;
        controller.enqueue(frame);
        count(options.id, true, key.kid);
        return;
      }
      const kid = peekKeyId(data, clear);
      if (kid === null) {
        count(options.id, false, null);
        return;
      }
      const { senderIndex, epochBits } = splitKeyId(kid);
      const candidates = usableEpochs(Date.now()).filter((e) => e.epoch % (1 << EPOCH_BITS) === epochBits);
      for (const epoch of candidates.reverse()) {
        try {
          const key = await keyFor(epoch, senderIndex);
          frame.data = (await decryptFrame(key, data, clear)).buffer as ArrayBuffer;
          controller.enqueue(frame);
          count(options.id, true, kid);
          return;
        } catch {
          // try the next candidate epoch
        }
      }
      count(options.id, false, kid); // undecryptable frames are dropped, never passed on
    },
  });
}

function pipe(
  readable: ReadableStream<EncodedFrame>,
  writable: WritableStream<EncodedFrame>,
  options: StreamOptions,
): void {
  readable
    .pipeThrough(transformer(options))
    .pipeTo(writable)
    .catch(() => undefined);
}

scope.onrtctransform = (event) => {
  const t = event.transformer;
  pipe(t.readable, t.writable, t.options as StreamOptions);
};

scope.onmessage = (event: MessageEvent) => {
  const message = event.data as
    | { type: 'epoch'; epoch: number; senderIndex: number; secret: Uint8Array }
    | { type: 'removed' }
    | {
        type: 'streams';
        readable: ReadableStream<EncodedFrame>;
        writable: WritableStream<EncodedFrame>;
        options: StreamOptions;
      }
    | { type: 'stats' };
  if (message.type === 'epoch') {
    setEpoch({
      epoch: message.epoch,
      senderIndex: message.senderIndex,
      secret: message.secret,
      retiredAt: null,
      keys: new Map(),
    });
  } else if (message.type === 'removed') {
    setEpoch(null);
  } else if (message.type === 'streams') {
    pipe(message.readable, message.writable, message.options);
  } else if (message.type === 'stats') {
    scope.postMessage({ type: 'stats', stats: Object.fromEntries(stats) });
  }
};
