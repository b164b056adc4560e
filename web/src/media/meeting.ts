// The meeting: publish this browser's camera and microphone (and a screen) to the session's
// VideoRoom, subscribe to everyone else, encrypt and decrypt every frame (e2ee.ts), and
// reconnect when the media server comes back.  No DOM here: view.ts renders `Meeting` state.
import { type E2eeMode, FrameCrypto, type Support, detectSupport } from './e2ee';
import { JanusConnection, JanusError, type JanusMessage } from './janus';
import { type MediaKeySource, epochKeys } from './keys';

export const MAX_TILES = 25;
/** Undecryptable video for this long pauses the subscription (no key-frame storm). */
export const UNDECRYPTABLE_PAUSE_MS = 3_000;
const RETRY_MS = [1_000, 2_000, 4_000, 8_000, 15_000];

export type MeetingState =
  'idle' | 'unsupported' | 'waiting_keys' | 'connecting' | 'live' | 'unavailable' | 'reconnecting' | 'closed';

export interface MediaAdmission {
  proxy_path: string;
  room: number;
  token: string;
  ice_servers: RTCIceServer[];
}

export interface Remote {
  feed: number;
  display: string;
  handle: number;
  pc: RTCPeerConnection;
  stream: MediaStream;
  speaking: boolean;
  hand: boolean;
  screen: boolean;
  paused: boolean;
  undecryptableSince: number | null;
  substream: number;
}

export interface MeetingDeps {
  admit(): Promise<MediaAdmission>; // POST /api/sessions/{id}/media
  keys: MediaKeySource;
  displayName: string;
  origin: string;
  win?: Window;
}

interface Display {
  n: string;
  h?: boolean;
  s?: boolean;
}

export function encodeDisplay(display: Display): string {
  return JSON.stringify(display);
}

export function decodeDisplay(raw: unknown): Display {
  try {
    const value = JSON.parse(String(raw)) as Display;
    if (typeof value.n === 'string') return value;
  } catch {
    // plain display name
  }
  return { n: String(raw ?? '') };
}

/** Simulcast layer for a tile of ``width`` CSS pixels: 0 low, 1 medium, 2 high. */
export function layerForWidth(width: number): number {
  if (width >= 640) return 2;
  if (width >= 320) return 1;
  return 0;
}

export class Meeting {
  state: MeetingState = 'idle';
  reason = '';
  support: Support;
  crypto: FrameCrypto | null = null;
  local: MediaStream | null = null;
  screen: MediaStream | null = null;
  readonly remotes = new Map<number, Remote>();
  cameraOn = true;
  micOn = true;
  hand = false;
  audioOnly = false;
  epoch: number | null = null;
  private janus: JanusConnection | null = null;
  private admission: MediaAdmission | null = null;
  private publisher: { handle: number; pc: RTCPeerConnection; id: number; privateId: number } | null = null;
  private screenPublisher: { handle: number; pc: RTCPeerConnection } | null = null;
  private retry = 0;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private ticker: ReturnType<typeof setInterval> | null = null;
  private unsubscribeKeys: (() => void) | null = null;
  private keys: MediaKeySource;
  /** Epoch changes apply in arrival order even though deriving their keys is async. */
  private epochSeq = 0;
  private closed = false;
  onchange: () => void = () => undefined;

  constructor(private readonly deps: MeetingDeps) {
    this.support = detectSupport(deps.win ?? window);
    this.keys = deps.keys;
  }

  private set(state: MeetingState, reason = ''): void {
    this.state = state;
    this.reason = reason;
    this.onchange();
  }

  get mode(): E2eeMode | null {
    return this.support.ok ? this.support.mode : null;
  }

  async start(): Promise<void> {
    if (!this.support.ok) {
      this.set('unsupported', this.support.reason);
      return;
    }
    this.crypto = new FrameCrypto(this.support.mode);
    this.unsubscribeKeys = this.keys.onEpochChange((epoch) => void this.applyEpoch(epoch));
    const current = this.keys.currentEpoch();
    if (current === null) {
      this.set('waiting_keys');
      return; // applyEpoch connects when the first epoch arrives
    }
    await this.applyEpoch(current);
  }

  /**
   * Take frame keys from ``source`` from now on (its current epoch at once); the previous
   * source is no longer listened to.  The conversation view never needs this: it gives the
   * conversation client at construction.  Harnesses and tests use it.
   */
  async useKeys(source: MediaKeySource): Promise<void> {
    this.unsubscribeKeys?.();
    this.keys = source;
    if (!this.crypto || this.closed) return;
    this.unsubscribeKeys = source.onEpochChange((epoch) => void this.applyEpoch(epoch));
    const current = source.currentEpoch();
    if (current !== null) await this.applyEpoch(current);
  }

  private async applyEpoch(epoch: ReturnType<MediaKeySource['currentEpoch']>): Promise<void> {
    if (!this.crypto || this.closed) return;
    const seq = ++this.epochSeq;
    if (epoch === null) {
      // Removed from the group: no key any more; leave the media.
      this.crypto.setEpoch(null);
      this.epoch = null;
      this.stop('removed');
      return;
    }
    const keys = await epochKeys(epoch);
    if (seq !== this.epochSeq || !this.crypto || this.closed) return; // a later epoch won
    this.crypto.setEpoch(keys);
    this.epoch = epoch.epoch;
    for (const remote of this.remotes.values()) if (remote.paused) void this.resume(remote);
    const rejoined = this.state === 'closed' && this.reason === 'removed'; // back in the group
    if (this.state === 'waiting_keys' || this.state === 'idle' || rejoined) await this.connect();
    else this.onchange();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.set(this.retry === 0 ? 'connecting' : 'reconnecting');
    try {
      this.admission = await this.deps.admit();
      const url = new URL(this.admission.proxy_path, this.deps.origin);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      this.janus = new JanusConnection(url.toString());
      this.janus.onclose = () => this.lost();
      await this.janus.open(this.admission.token);
      await this.publish();
      this.retry = 0;
      this.set('live');
      this.startTicker();
    } catch (error) {
      this.lost(error);
    }
  }

  /** The media server went away: text continues; try again with backoff. */
  private lost(error?: unknown): void {
    if (this.closed || this.state === 'closed') return;
    this.teardownPeers();
    const delay = RETRY_MS[Math.min(this.retry, RETRY_MS.length - 1)]!;
    this.retry++;
    const status = error instanceof Error && 'status' in error ? Number((error as { status: unknown }).status) : 0;
    if (status === 403) {
      this.stop('not_admitted');
      return;
    }
    this.set('unavailable', error instanceof JanusError ? error.message : '');
    this.timers.push(setTimeout(() => void this.connect(), delay));
  }

  private peer(): RTCPeerConnection {
    const config = { iceServers: this.admission?.ice_servers ?? [], ...this.crypto!.peerConfig() } as RTCConfiguration;
    return new RTCPeerConnection(config);
  }

  private async publish(): Promise<void> {
    const janus = this.janus!;
    const handle = await janus.attach((m) => this.onPublisherEvent(m));
    const joined = await janus.message(handle, {
      request: 'join',
      ptype: 'publisher',
      room: this.admission!.room,
      display: encodeDisplay({ n: this.deps.displayName, h: this.hand }),
    });
    const data = joined.plugindata!.data;
    const pc = this.peer();
    this.publisher = { handle, pc, id: Number(data.id), privateId: Number(data.private_id) };
    if (!this.local)
      this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
    for (const track of this.local.getTracks()) {
      const kind = track.kind as 'audio' | 'video';
      if (kind === 'video' && this.audioOnly) continue;
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [this.local] };
      if (kind === 'video') {
        init.sendEncodings = [
          { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
          { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 400_000 },
          { rid: 'h', maxBitrate: 1_200_000 },
        ];
      }
      const transceiver = pc.addTransceiver(track, init);
      this.crypto!.encrypt(transceiver.sender, kind);
    }
    await this.negotiatePublisher(handle, pc, { audio: true, video: !this.audioOnly });
    track(data.publishers, (p) => void this.subscribe(p));
  }

  private async negotiatePublisher(
    handle: number,
    pc: RTCPeerConnection,
    body: Record<string, unknown>,
  ): Promise<void> {
    await pc.setLocalDescription(await pc.createOffer());
    await iceGathered(pc);
    const answer = await this.janus!.message(
      handle,
      { request: 'configure', ...body },
      { type: 'offer', sdp: pc.localDescription!.sdp, e2ee: true },
    );
    const jsep = answer.jsep ?? (await this.waitJsep(handle));
    await pc.setRemoteDescription(jsep);
  }

  private jsepWaiters = new Map<number, (jsep: RTCSessionDescriptionInit) => void>();

  private waitJsep(handle: number): Promise<RTCSessionDescriptionInit> {
    return new Promise((resolve) => this.jsepWaiters.set(handle, resolve));
  }

  private onPublisherEvent(message: JanusMessage): void {
    if (message.jsep && message.sender !== undefined) {
      this.jsepWaiters.get(message.sender)?.(message.jsep);
      this.jsepWaiters.delete(message.sender);
    }
    const data = message.plugindata?.data;
    if (!data) return;
    track(data.publishers, (p) => void this.subscribe(p));
    const gone = (data.unpublished ?? data.leaving) as number | string | undefined;
    if (gone !== undefined && gone !== 'ok') void this.unsubscribe(Number(gone));
    if (data.videoroom === 'event' && typeof data.id === 'number' && 'display' in data) {
      const remote = this.remotes.get(data.id);
      if (remote) {
        const display = decodeDisplay(data.display);
        remote.display = display.n;
        remote.hand = Boolean(display.h);
        this.onchange();
      }
    }
  }

  private async subscribe(publisher: { id: number; display?: string }): Promise<void> {
    if (!this.janus || !this.publisher || this.remotes.has(publisher.id) || publisher.id === this.publisher.id) return;
    if (this.remotes.size >= MAX_TILES - 1) return;
    const display = decodeDisplay(publisher.display);
    const pc = this.peer();
    const stream = new MediaStream();
    const remote: Remote = {
      feed: publisher.id,
      display: display.n,
      handle: 0,
      pc,
      stream,
      speaking: false,
      hand: Boolean(display.h),
      screen: Boolean(display.s),
      paused: false,
      undecryptableSince: null,
      substream: 2,
    };
    this.remotes.set(publisher.id, remote);
    pc.ontrack = (event) => {
      const kind = event.track.kind as 'audio' | 'video';
      this.crypto!.decrypt(event.receiver, kind, `feed-${publisher.id}-${kind}`);
      stream.addTrack(event.track);
      this.onchange();
    };
    remote.handle = await this.janus.attach((m) => void this.onSubscriberEvent(remote, m));
    const joined = await this.janus.message(remote.handle, {
      request: 'join',
      ptype: 'subscriber',
      room: this.admission!.room,
      private_id: this.publisher.privateId,
      streams: [{ feed: publisher.id }],
    });
    const offer = joined.jsep ?? (await this.waitJsep(remote.handle));
    await this.answer(remote, offer);
    this.onchange();
  }

  private async answer(remote: Remote, offer: RTCSessionDescriptionInit): Promise<void> {
    await remote.pc.setRemoteDescription(offer);
    await remote.pc.setLocalDescription(await remote.pc.createAnswer());
    await iceGathered(remote.pc);
    await this.janus!.message(
      remote.handle,
      { request: 'start' },
      { type: 'answer', sdp: remote.pc.localDescription!.sdp },
    );
  }

  private async onSubscriberEvent(remote: Remote, message: JanusMessage): Promise<void> {
    if (message.jsep && message.sender !== undefined && this.jsepWaiters.has(message.sender)) {
      this.jsepWaiters.get(message.sender)!(message.jsep);
      this.jsepWaiters.delete(message.sender);
    } else if (message.jsep?.type === 'offer') {
      await this.answer(remote, message.jsep);
    }
  }

  private async unsubscribe(feed: number): Promise<void> {
    const remote = this.remotes.get(feed);
    if (!remote) return;
    this.remotes.delete(feed);
    remote.pc.close();
    await this.janus?.detach(remote.handle);
    this.onchange();
  }

  /** Stop asking for video from a sender we cannot decrypt (its key frames would be wasted). */
  private async pause(remote: Remote): Promise<void> {
    if (remote.paused || !this.janus) return;
    remote.paused = true;
    await this.janus.message(remote.handle, { request: 'pause' }).catch(() => undefined);
    this.onchange();
    // Try again later even without a new epoch (the sender may have caught up).
    this.timers.push(setTimeout(() => void this.resume(remote), 15_000));
  }

  private async resume(remote: Remote): Promise<void> {
    if (!remote.paused || !this.janus || !this.remotes.has(remote.feed)) return;
    remote.paused = false;
    remote.undecryptableSince = null;
    await this.janus.message(remote.handle, { request: 'start' }).catch(() => undefined);
    this.onchange();
  }

  private startTicker(): void {
    if (this.ticker !== null) return;
    this.ticker = setInterval(() => void this.tick(), 1_000);
  }

  /** Once a second: active speaker from audio levels; undecryptable feeds paused. */
  private async tick(): Promise<void> {
    if (!this.crypto || this.state !== 'live') return;
    const frames = await this.crypto.stats();
    let loudest: Remote | null = null;
    let loudestLevel = 0.02;
    for (const remote of this.remotes.values()) {
      const stats = await remote.pc.getStats();
      let level = 0;
      stats.forEach((report: { type: string; kind?: string; audioLevel?: number }) => {
        if (report.type === 'inbound-rtp' && report.kind === 'audio') level = report.audioLevel ?? 0;
      });
      if (level > loudestLevel) {
        loudest = remote;
        loudestLevel = level;
      }
      const video = frames[`feed-${remote.feed}-video`];
      const failing = video !== undefined && video.failed > 0 && video.ok === 0;
      if (failing) {
        remote.undecryptableSince ??= Date.now();
        if (Date.now() - remote.undecryptableSince > UNDECRYPTABLE_PAUSE_MS) await this.pause(remote);
      }
    }
    let changed = false;
    for (const remote of this.remotes.values()) {
      const speaking = remote === loudest;
      changed ||= speaking !== remote.speaking;
      remote.speaking = speaking;
    }
    if (changed) this.onchange();
  }

  /** Ask Janus for the simulcast layer a tile of this width needs. */
  async fitLayer(feed: number, width: number): Promise<void> {
    const remote = this.remotes.get(feed);
    const layer = layerForWidth(width);
    if (!remote || !this.janus || remote.substream === layer) return;
    remote.substream = layer;
    await this.janus.message(remote.handle, { request: 'configure', substream: layer }).catch(() => undefined);
  }

  setCamera(on: boolean): void {
    this.cameraOn = on;
    for (const t of this.local?.getVideoTracks() ?? []) t.enabled = on;
    this.onchange();
  }

  setMicrophone(on: boolean): void {
    this.micOn = on;
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = on;
    this.onchange();
  }

  async setHand(raised: boolean): Promise<void> {
    this.hand = raised;
    if (this.janus && this.publisher) {
      await this.janus
        .message(this.publisher.handle, {
          request: 'configure',
          display: encodeDisplay({ n: this.deps.displayName, h: raised }),
        })
        .catch(() => undefined);
    }
    this.onchange();
  }

  /** Audio-only: stop receiving and sending video (low bandwidth). */
  async setAudioOnly(on: boolean): Promise<void> {
    this.audioOnly = on;
    this.setCamera(!on);
    if (this.janus && this.publisher) {
      await this.janus.message(this.publisher.handle, { request: 'configure', video: !on }).catch(() => undefined);
      for (const remote of this.remotes.values()) {
        await this.janus.message(remote.handle, { request: 'configure', video: !on }).catch(() => undefined);
      }
    }
    this.onchange();
  }

  async useDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    if (!this.local || !this.publisher) return;
    const constraints =
      kind === 'audioinput'
        ? { audio: { deviceId: { exact: deviceId } } }
        : { video: { deviceId: { exact: deviceId } } };
    const fresh = await navigator.mediaDevices.getUserMedia(constraints);
    const track = fresh.getTracks()[0]!;
    const old = kind === 'audioinput' ? this.local.getAudioTracks()[0] : this.local.getVideoTracks()[0];
    const sender = this.publisher.pc.getSenders().find((s) => s.track?.kind === track.kind);
    await sender?.replaceTrack(track);
    if (old) {
      this.local.removeTrack(old);
      old.stop();
    }
    this.local.addTrack(track);
    this.onchange();
  }

  async shareScreen(on: boolean): Promise<void> {
    if (!this.janus || !this.admission) return;
    if (!on) {
      if (this.screenPublisher) {
        this.screenPublisher.pc.close();
        await this.janus.detach(this.screenPublisher.handle);
      }
      for (const t of this.screen?.getTracks() ?? []) t.stop();
      this.screen = null;
      this.screenPublisher = null;
      this.onchange();
      return;
    }
    this.screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const handle = await this.janus.attach((m) => this.onPublisherEvent(m));
    await this.janus.message(handle, {
      request: 'join',
      ptype: 'publisher',
      room: this.admission.room,
      display: encodeDisplay({ n: this.deps.displayName, s: true }),
    });
    const pc = this.peer();
    const videoTrack = this.screen.getVideoTracks()[0]!;
    videoTrack.onended = () => void this.shareScreen(false);
    const transceiver = pc.addTransceiver(videoTrack, { direction: 'sendonly', streams: [this.screen] });
    this.crypto!.encrypt(transceiver.sender, 'video');
    this.screenPublisher = { handle, pc };
    await this.negotiatePublisher(handle, pc, { audio: false, video: true });
    this.onchange();
  }

  private teardownPeers(): void {
    for (const remote of this.remotes.values()) remote.pc.close();
    this.remotes.clear();
    this.publisher?.pc.close();
    this.publisher = null;
    this.screenPublisher?.pc.close();
    this.screenPublisher = null;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    this.janus?.close();
    this.janus = null;
  }

  stop(reason = ''): void {
    this.teardownPeers();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    if (reason !== 'removed') {
      this.closed = true;
      this.unsubscribeKeys?.();
      for (const t of this.local?.getTracks() ?? []) t.stop();
      for (const t of this.screen?.getTracks() ?? []) t.stop();
      this.local = null;
      this.crypto?.close();
    }
    this.set('closed', reason);
  }
}

function track(publishers: unknown, each: (p: { id: number; display?: string }) => void): void {
  if (!Array.isArray(publishers)) return;
  for (const p of publishers as { id: number; display?: string }[]) each(p);
}

/** Wait for ICE gathering to finish (no trickle), at most two seconds. */
function iceGathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState === 'complete') resolve();
    };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, 2_000);
  });
}
