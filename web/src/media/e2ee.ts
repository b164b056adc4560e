// Frame encryption on the main thread: detect support, attach the worker to senders and
// receivers, and hand it each epoch's key material.  No fallback to plaintext exists.
import { type EpochKeys } from './keys';

export type E2eeMode = 'script-transform' | 'encoded-streams';
export type Support = { ok: true; mode: E2eeMode } | { ok: false; reason: 'no_transform' | 'no_webrtc' | 'no_crypto' };

interface EncodedStreams {
  readable: ReadableStream;
  writable: WritableStream;
}
type WithStreams = { createEncodedStreams?: () => EncodedStreams; transform?: unknown };
type ScriptTransformCtor = new (worker: Worker, options: unknown, transfer?: unknown[]) => unknown;

export function detectSupport(win: Window = window): Support {
  const w = win as unknown as Record<string, unknown>;
  if (typeof w.RTCPeerConnection !== 'function') return { ok: false, reason: 'no_webrtc' };
  if (!win.crypto?.subtle || !win.isSecureContext) return { ok: false, reason: 'no_crypto' };
  if (typeof w.RTCRtpScriptTransform === 'function') return { ok: true, mode: 'script-transform' };
  const sender = w.RTCRtpSender as { prototype?: WithStreams } | undefined;
  if (typeof sender?.prototype?.createEncodedStreams === 'function') return { ok: true, mode: 'encoded-streams' };
  return { ok: false, reason: 'no_transform' };
}

export type StatsById = Record<string, { ok: number; failed: number; kid: string | null }>;

export class FrameCrypto {
  readonly worker: Worker;
  private streamId = 0;

  constructor(readonly mode: E2eeMode) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'indaba-frames' });
  }

  /** Extra RTCPeerConnection configuration the mode needs. */
  peerConfig(): Record<string, unknown> {
    return this.mode === 'encoded-streams' ? { encodedInsertableStreams: true } : {};
  }

  setEpoch(keys: EpochKeys | null): void {
    if (keys === null) this.worker.postMessage({ type: 'removed' });
    else this.worker.postMessage({ type: 'epoch', ...keys });
  }

  private attach(
    target: RTCRtpSender | RTCRtpReceiver,
    operation: 'encrypt' | 'decrypt',
    kind: 'audio' | 'video',
    id?: string,
  ): string {
    const streamId = id ?? `${operation}-${kind}-${++this.streamId}`;
    const options = { operation, kind, id: streamId };
    const t = target as unknown as WithStreams;
    if (this.mode === 'script-transform') {
      const Ctor = (globalThis as unknown as { RTCRtpScriptTransform: ScriptTransformCtor }).RTCRtpScriptTransform;
      t.transform = new Ctor(this.worker, options);
    } else {
      const { readable, writable } = t.createEncodedStreams!();
      this.worker.postMessage({ type: 'streams', readable, writable, options }, [
        readable,
        writable,
      ] as unknown as Transferable[]);
    }
    return streamId;
  }

  encrypt(sender: RTCRtpSender, kind: 'audio' | 'video'): string {
    return this.attach(sender, 'encrypt', kind);
  }

  decrypt(receiver: RTCRtpReceiver, kind: 'audio' | 'video', id: string): string {
    return this.attach(receiver, 'decrypt', kind, id);
  }

  stats(): Promise<StatsById> {
    return new Promise((resolve) => {
      const listener = (event: MessageEvent) => {
        const data = event.data as { type?: string; stats?: StatsById };
        if (data.type !== 'stats') return;
        this.worker.removeEventListener('message', listener);
        resolve(data.stats ?? {});
      };
      this.worker.addEventListener('message', listener);
      this.worker.postMessage({ type: 'stats' });
    });
  }

  close(): void {
    this.worker.terminate();
  }
}
