// The meeting: publish this browser's camera and microphone (and a screen) to the session's
// VideoRoom, subscribe to everyone else, encrypt and decrypt every frame (e2ee.ts), and
// reconnect when the media server comes back.  No DOM here: view.ts renders `Meeting` state.
import { type E2eeMode, FrameCrypto, type Support, detectSupport } from './e2ee';
import { JanusConnection, JanusError, type JanusMessage } from './janus';
import { type MediaKeySource, epochKeys } from './keys';

export const MAX_TILES = 25;
/** Undecryptable video for this long pauses the subscription (no key-frame storm). */
export const UNDECRYPTABLE_PAUSE_MS = 3_000;
/** A paused subscription is tried again after this long even without a new epoch. */
export const PAUSE_RETRY_MS = 15_000;
/** RMS level of the received audio (over the last second) above which someone speaks. */
export const SPEAKING_LEVEL = 0.01;
/** Original speakers' volume while the interpretation the reader hears is speaking. */
export const DUCKED_VOLUME = 0.2;
/** The shortest stretch of received audio (seconds) a level is measured over. */
const MIN_LEVEL_S = 0.5;
const RETRY_MS = [1_000, 2_000, 4_000, 8_000, 15_000];
/**
 * The camera is captured at this size: the smallest at which Chromium sends all three
 * simulcast layers (below 960x540 it drops the top one).
 */
export const CAPTURE = { width: 960, height: 540 };
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 400_000 },
  { rid: 'h', maxBitrate: 1_200_000 },
];

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
  /** The worker's counters for this feed's video at the previous tick. */
  frames: { ok: number; failed: number };
  /** Received audio energy and duration at the previous tick (active speaker). */
  audio: { energy: number; duration: number };
  /** Its audio's RMS level over the last measured interval. */
  level: number;
  /** The simulcast layer Janus was asked for (2, the highest, until a tile asks). */
  substream: number;
  /** The layer the tile's width calls for; asked for once the subscription has started. */
  layer: number;
  /** The subscription is set up (its handle joined and started). */
  started: boolean;
  /**
   * The language of an interpreter's voice (docs/interpretation.md), null for a person:
   * not a tile, never the active speaker; the reader may hear it instead of the original.
   */
  interpretation: string | null;
}

export interface MeetingDeps {
  admit(): Promise<MediaAdmission>; // POST /api/sessions/{id}/media
  keys: MediaKeySource;
  displayName: string;
  origin: string;
  win?: Window;
}

export interface Display {
  n: string;
  h?: boolean;
  s?: boolean;
  /** Interpretation feed: its language (the interpreter's synthesised voice). */
  i?: string;
}

const LANGUAGE_CODE = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

export function encodeDisplay(display: Display): string {
  return JSON.stringify(display);
}

export function decodeDisplay(raw: unknown): Display {
  try {
    const value = JSON.parse(String(raw)) as Display;
    if (value !== null && typeof value === 'object' && typeof value.n === 'string') {
      // `i` marks an interpreter's voice; anything but a language code is ignored.
      if ('i' in value && !(typeof value.i === 'string' && LANGUAGE_CODE.test(value.i))) delete value.i;
      return value;
    }
  } catch {
    // plain display name
  }
  return { n: String(raw ?? '') };
}

/**
 * Whether a feed's video is undecryptable right now: since the previous look, frames
 * arrived and none of them could be decrypted.  (A feed that decrypted earlier and fails
 * now counts too: a sender on an epoch this member does not have.)
 */
export function undecryptable(before: { ok: number; failed: number }, now: { ok: number; failed: number }): boolean {
  return now.failed > before.failed && now.ok === before.ok;
}

/**
 * RMS level of received audio between two readings of an inbound-rtp report's
 * ``totalAudioEnergy`` and ``totalSamplesDuration`` (0 when nothing was received).
 */
export function audioLevel(
  before: { energy: number; duration: number },
  now: { energy: number; duration: number },
): number {
  const duration = now.duration - before.duration;
  if (duration <= 0) return 0;
  return Math.sqrt(Math.max(0, now.energy - before.energy) / duration);
}

/**
 * Whether the reader hears the interpretation into ``language``: their choice if they made
 * one, else on as soon as such a feed exists (the interpreter speaks into a language only
 * for speakers of another language, so a reader of the speaker's language hears nothing
 * from it and keeps the original).
 */
export function hearsInterpretation(choice: boolean | null, feedExists: boolean): boolean {
  return feedExists && (choice ?? true);
}

/** The original speakers' volume: lowered while the interpretation being heard speaks. */
export function originalVolume(hearing: boolean, interpreterSpeaking: boolean): number {
  return hearing && interpreterSpeaking ? DUCKED_VOLUME : 1;
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
  private screenPublisher: { handle: number; pc: RTCPeerConnection; id: number } | null = null;
  private retry = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private timers: ReturnType<typeof setTimeout>[] = [];
  private ticker: ReturnType<typeof setInterval> | null = null;
  private ticking = false;
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
    this.retryTimer = null;
    if (this.closed) return;
    this.set(this.retry === 0 ? 'connecting' : 'reconnecting');
    try {
      this.admission = await this.deps.admit();
      const url = new URL(this.admission.proxy_path, this.deps.origin);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const janus = new JanusConnection(url.toString());
      this.janus = janus;
      janus.onclose = () => {
        if (this.janus === janus) this.lost();
      };
      await janus.open(this.admission.token);
      await this.publish();
      if (this.screen) await this.publishScreen(this.screen);
      this.retry = 0;
      this.set('live');
      this.startTicker();
    } catch (error) {
      this.lost(error);
    }
  }

  /** The media server went away: text continues; try again with backoff. */
  private lost(error?: unknown): void {
    // Once per loss: a socket closing during connect() reports both its close and the
    // failed request, and two retries would publish this person twice.
    if (this.closed || this.state === 'closed' || this.retryTimer !== null) return;
    this.teardownPeers();
    const delay = RETRY_MS[Math.min(this.retry, RETRY_MS.length - 1)]!;
    this.retry++;
    const status = error instanceof Error && 'status' in error ? Number((error as { status: unknown }).status) : 0;
    if (status === 403) {
      this.stop('not_admitted');
      return;
    }
    this.set('unavailable', error instanceof JanusError ? error.message : '');
    this.retryTimer = setTimeout(() => void this.connect(), delay);
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
      this.local = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: { ideal: CAPTURE.width }, height: { ideal: CAPTURE.height } },
      });
    for (const track of this.local.getTracks()) {
      const kind = track.kind as 'audio' | 'video';
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [this.local] };
      if (kind === 'video') init.sendEncodings = SIMULCAST.map((e) => ({ ...e, active: this.sendsVideo }));
      const transceiver = pc.addTransceiver(track, init);
      this.crypto!.encrypt(transceiver.sender, kind);
    }
    await this.negotiatePublisher(handle, pc, { audio: true, video: this.sendsVideo });
    track(data.publishers, (p) => void this.subscribe(p));
  }

  /** Whether the camera's video goes out: camera on and not in audio-only mode. */
  get sendsVideo(): boolean {
    return this.cameraOn && !this.audioOnly;
  }

  /**
   * Start or stop sending the camera's video.  A disabled track alone would still send
   * black frames; inactive encodings send nothing, without renegotiating.
   */
  private async applyVideoSending(): Promise<void> {
    const on = this.sendsVideo;
    for (const t of this.local?.getVideoTracks() ?? []) t.enabled = on;
    const sender = this.publisher?.pc.getSenders().find((s) => s.track?.kind === 'video');
    if (sender) {
      const parameters = sender.getParameters();
      if (parameters.encodings.some((e) => e.active !== on)) {
        for (const encoding of parameters.encodings) encoding.active = on;
        await sender.setParameters(parameters).catch(() => undefined);
      }
    }
    if (this.janus && this.publisher) {
      await this.janus.message(this.publisher.handle, { request: 'configure', video: on }).catch(() => undefined);
    }
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
      // rid_order: our simulcast encodings go low to high; Janus assumes the reverse unless told.
      { type: 'offer', sdp: pc.localDescription!.sdp, e2ee: true, rid_order: 'lmh' },
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
    if (publisher.id === this.screenPublisher?.id) return; // our own screen: shown locally
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
      frames: { ok: 0, failed: 0 },
      audio: { energy: 0, duration: 0 },
      level: 0,
      substream: 2,
      layer: 2,
      started: false,
      interpretation: display.i ?? null,
    };
    this.remotes.set(publisher.id, remote);
    const receivers = new WeakSet<RTCRtpReceiver>();
    pc.ontrack = (event) => {
      // A receiver made active again (see pause) fires `track` again: it is decrypted already.
      if (receivers.has(event.receiver)) return;
      receivers.add(event.receiver);
      const kind = event.track.kind as 'audio' | 'video';
      this.crypto!.decrypt(event.receiver, kind, `feed-${publisher.id}-${kind}`);
      stream.addTrack(event.track);
      this.onchange();
    };
    const janus = this.janus;
    const privateId = this.publisher.privateId;
    const current = () => this.remotes.get(publisher.id) === remote && this.janus === janus;
    try {
      remote.handle = await janus.attach((m) => void this.onSubscriberEvent(remote, m));
      if (!current()) {
        // Unsubscribed meanwhile (the feed left, or it is our own screen): drop the handle.
        await janus.detach(remote.handle);
        return;
      }
      const joined = await janus.message(remote.handle, {
        request: 'join',
        ptype: 'subscriber',
        room: this.admission!.room,
        private_id: privateId,
        streams: [{ feed: publisher.id }],
      });
      const offer = joined.jsep ?? (await this.waitJsep(remote.handle));
      await this.answer(remote, offer, janus);
      remote.started = true;
      if (this.audioOnly) await janus.message(remote.handle, { request: 'configure', video: false });
      await this.applyLayer(remote);
    } catch {
      // The feed went away before we got it (or the connection did): no tile for it.
      if (current()) await this.unsubscribe(publisher.id);
      return;
    }
    this.onchange();
  }

  private async answer(remote: Remote, offer: RTCSessionDescriptionInit, janus = this.janus!): Promise<void> {
    await remote.pc.setRemoteDescription(offer);
    await remote.pc.setLocalDescription(await remote.pc.createAnswer());
    await iceGathered(remote.pc);
    await janus.message(remote.handle, { request: 'start' }, { type: 'answer', sdp: remote.pc.localDescription!.sdp });
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

  /**
   * Stop asking for video from a sender we cannot decrypt (its key frames would be wasted).
   * The video receiver goes inactive (renegotiated with Janus): no video arrives, and no
   * picture-loss indication leaves.  (A Janus `pause` stops the media, but Chromium's
   * decoder then keeps asking for key frames for another five seconds.)  Audio goes on.
   */
  /** The interpreter's voice in ``language``, if one is in the meeting. */
  interpretationFeed(language: string): Remote | null {
    const primary = language.split('-')[0]!.toLowerCase();
    for (const remote of this.remotes.values()) {
      if (remote.interpretation !== null && remote.interpretation.split('-')[0]!.toLowerCase() === primary) {
        return remote;
      }
    }
    return null;
  }

  private async pause(remote: Remote): Promise<void> {
    if (remote.paused || !this.janus) return;
    remote.paused = true;
    this.onchange();
    await this.receiveVideo(remote, false);
    // Try again later even without a new epoch (the sender may have caught up).
    this.timers.push(setTimeout(() => void this.resume(remote), PAUSE_RETRY_MS));
  }

  private async resume(remote: Remote): Promise<void> {
    if (!remote.paused || !this.janus || !this.remotes.has(remote.feed)) return;
    remote.paused = false;
    remote.undecryptableSince = null;
    this.onchange();
    await this.receiveVideo(remote, true);
  }

  private async receiveVideo(remote: Remote, on: boolean): Promise<void> {
    const janus = this.janus;
    const video = remote.pc.getTransceivers().find((t) => t.receiver.track.kind === 'video');
    if (!janus || !video) return;
    video.direction = on ? 'recvonly' : 'inactive';
    try {
      // Janus answers `update` with a fresh offer; our answer carries the new direction.
      const reply = await janus.message(remote.handle, { request: 'configure', update: true });
      if (reply.jsep?.type === 'offer') await this.answer(remote, reply.jsep, janus);
    } catch {
      // The connection went: a reconnect subscribes afresh.
    }
  }

  private startTicker(): void {
    if (this.ticker !== null) return;
    this.ticker = setInterval(() => void this.tick(), 1_000);
  }

  /**
   * Once a second: the active speaker is the loudest remote over the last second (its
   * received audio energy, so a short sound between two ticks counts and a muted one,
   * sending silence, does not); feeds whose video cannot be decrypted are paused.
   */
  private async tick(): Promise<void> {
    // One at a time: a slow tick overlapping the next would measure over no time at all.
    if (!this.crypto || this.state !== 'live' || this.ticking) return;
    this.ticking = true;
    try {
      await this.measure(this.crypto);
    } finally {
      this.ticking = false;
    }
  }

  private async measure(crypto: FrameCrypto): Promise<void> {
    const frames = await crypto.stats();
    let loudest: Remote | null = null;
    let loudestLevel = SPEAKING_LEVEL;
    for (const remote of this.remotes.values()) {
      const stats = await remote.pc.getStats();
      let audio = remote.audio;
      stats.forEach(
        (report: { type: string; kind?: string; totalAudioEnergy?: number; totalSamplesDuration?: number }) => {
          if (report.type === 'inbound-rtp' && report.kind === 'audio')
            audio = { energy: report.totalAudioEnergy ?? 0, duration: report.totalSamplesDuration ?? 0 };
        },
      );
      if (audio.duration - remote.audio.duration >= MIN_LEVEL_S) {
        remote.level = audioLevel(remote.audio, audio);
        remote.audio = audio;
      }
      const level = remote.level;
      if (remote.interpretation !== null) continue; // speaking: its own level, below
      if (level > loudestLevel) {
        loudest = remote;
        loudestLevel = level;
      }
      const video = frames[`feed-${remote.feed}-video`];
      if (video === undefined || remote.paused) continue;
      if (undecryptable(remote.frames, video)) {
        remote.undecryptableSince ??= Date.now();
        if (Date.now() - remote.undecryptableSince > UNDECRYPTABLE_PAUSE_MS) await this.pause(remote);
      } else {
        remote.undecryptableSince = null;
      }
      remote.frames = { ok: video.ok, failed: video.failed };
    }
    let changed = false;
    for (const remote of this.remotes.values()) {
      const speaking = remote.interpretation !== null ? remote.level > SPEAKING_LEVEL : remote === loudest;
      changed ||= speaking !== remote.speaking;
      remote.speaking = speaking;
    }
    if (changed) this.onchange();
  }

  /** Ask Janus for the simulcast layer a tile of this width needs. */
  async fitLayer(feed: number, width: number): Promise<void> {
    const remote = this.remotes.get(feed);
    const layer = layerForWidth(width);
    if (!remote) return;
    remote.layer = layer;
    await this.applyLayer(remote);
  }

  private async applyLayer(remote: Remote): Promise<void> {
    // A tile may be laid out before its subscription has a handle: ask once it has started.
    if (!this.janus || !remote.started || remote.substream === remote.layer) return;
    const previous = remote.substream;
    remote.substream = remote.layer;
    await this.janus.message(remote.handle, { request: 'configure', substream: remote.layer }).catch(() => {
      if (remote.substream === remote.layer) remote.substream = previous; // ask again next time
    });
  }

  async setCamera(on: boolean): Promise<void> {
    this.cameraOn = on;
    this.onchange();
    await this.applyVideoSending();
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

  /** Audio-only: stop receiving and sending video (low bandwidth); the camera setting is kept. */
  async setAudioOnly(on: boolean): Promise<void> {
    this.audioOnly = on;
    this.onchange();
    await this.applyVideoSending();
    if (this.janus) {
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
    if (!on) {
      // Also while disconnected (the browser's "stop sharing" ends the track): never
      // published again by a reconnect.
      const screenPublisher = this.screenPublisher;
      this.screenPublisher = null;
      for (const t of this.screen?.getTracks() ?? []) t.stop();
      this.screen = null;
      this.onchange();
      if (screenPublisher) {
        screenPublisher.pc.close();
        await this.janus?.detach(screenPublisher.handle);
      }
      return;
    }
    if (!this.janus || !this.admission || this.screen) return;
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    this.screen = screen;
    screen.getVideoTracks()[0]!.onended = () => {
      if (this.screen === screen) void this.shareScreen(false);
    };
    this.onchange();
    // If the connection goes meanwhile, the reconnect publishes the screen.
    if (this.janus) await this.publishScreen(screen).catch(() => undefined);
  }

  /** The shared screen as a second publisher (again after a reconnect), encrypted too. */
  private async publishScreen(screen: MediaStream): Promise<void> {
    const janus = this.janus!;
    const handle = await janus.attach((m) => this.onPublisherEvent(m));
    const joined = await janus.message(handle, {
      request: 'join',
      ptype: 'publisher',
      room: this.admission!.room,
      display: encodeDisplay({ n: this.deps.displayName, s: true }),
    });
    const pc = this.peer();
    const transceiver = pc.addTransceiver(screen.getVideoTracks()[0]!, { direction: 'sendonly', streams: [screen] });
    this.crypto!.encrypt(transceiver.sender, 'video');
    this.screenPublisher = { handle, pc, id: Number(joined.plugindata!.data.id) };
    // Our camera's handle may already have subscribed to the screen: not twice on this page.
    void this.unsubscribe(this.screenPublisher.id);
    await this.negotiatePublisher(handle, pc, { audio: false, video: true });
    this.onchange();
  }

  private teardownPeers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
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
