// The conversation client: one Member over one WebSocket (`/api/ws`), reconnecting
// with catch-up from the stored cursor, persisting group state, cursor and the
// conversation in IndexedDB after every frame. docs/delivery.md has the protocol.
import { applyEnvelope, expire, nextExpiry, type Change } from './conversation';
import { decodeEnvelope, encodeEnvelope, newMessageId, type Envelope } from './envelope';
import { fromBase64 } from './bytes';
import { decodeEntries } from './frames';
import { HttpClient, HttpError } from './http';
import { keysOf, loadIdentity, topUp, type KeyPackageStatus } from './keyPackages';
import { PushedKeySource, type MediaEpoch, type MediaKeySource } from '../media/keys';
import { Member, type Output, type ReadyGroup } from './member';
import * as mls from './mls';
import type { ConversationStore, Identity, SessionRecord } from './storage';
import { formatVerificationCode } from './verification';

/** Close codes after which reconnecting cannot help (gateway.Close). */
const FINAL_CLOSE_CODES = new Set([4000, 4401, 4403, 4404, 4409]);
const FRAME_MESSAGE = 1;

export type Status = 'connecting' | 'joining' | 'ready' | 'offline' | 'removed' | 'closed' | 'failed';

export interface RosterEntry {
  memberId: string;
  displayName: string | null;
  role: string | null;
}

export interface Listener {
  status(status: Status, detail?: string): void;
  change(change: Change): void;
  roster(members: RosterEntry[], code: string | null): void;
  expired(ids: string[]): void;
}

interface GroupBody {
  roster: { member_id: string; display_name: string | null; role: string | null }[];
}

/**
 * The client is also the meeting's MediaKeySource (docs/media.md): the current epoch's
 * exporter and our leaf index, announced after every epoch change (a join, a removal,
 * our own commit) and as null once we are out of the group.
 */
export class ConversationClient implements MediaKeySource {
  private member: Member | null = null;
  private readonly mediaKeys = new PushedKeySource();
  /** `epoch:leaf` last announced to the meeting, so that it rekeys once per epoch. */
  private announcedEpoch: string | null = null;
  private identity: Identity | null = null;
  record: SessionRecord | null = null;
  private ws: WebSocket | null = null;
  private ready = false;
  private outbox: Uint8Array[] = [];
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private delay = 250;
  private reconnectTimer: number | null = null;
  private expiryTimer: number | null = null;
  private readonly names = new Map<string, { displayName: string | null; role: string | null }>();
  private readonly http: HttpClient;
  /** Members of the group when our profile was last sent (docs/interpretation.md). */
  private profiledMembers: Set<string> | null = null;
  status: Status = 'connecting';

  constructor(
    private readonly store: ConversationStore,
    private readonly token: string,
    readonly memberId: string,
    readonly sessionId: string,
    private readonly listener: Listener,
    private readonly origin: string = location.origin,
    /** The reading language: the member's language (docs/interpretation.md, profile). */
    readonly lang: string | null = null,
    private readonly displayName: string = '',
  ) {
    this.http = new HttpClient(token);
  }

  // -- MediaKeySource ----------------------------------------------------------------------
  currentEpoch(): MediaEpoch | null {
    return this.mediaKeys.currentEpoch();
  }

  onEpochChange(cb: (epoch: MediaEpoch | null) => void): () => void {
    return this.mediaKeys.onEpochChange(cb);
  }

  /** Tell the meeting about the group's epoch if it changed; null when we are out. */
  private announceEpoch(): void {
    const member = this.member;
    const state = member?.state ?? null;
    if (member === null || state === null || !member.active) return; // removal: leaveMediaEpochs
    const leaf = mls.ownLeafIndex(state);
    const key = `${mls.epochOf(state)}:${leaf}`;
    if (key === this.announcedEpoch) return;
    this.announcedEpoch = key;
    this.mediaKeys.pushState(state, leaf);
  }

  /** The group is gone for us (removed, or lost by the server): the meeting stops. */
  private leaveMediaEpochs(): void {
    if (this.announcedEpoch === 'out') return;
    this.announcedEpoch = 'out';
    this.mediaKeys.push(null);
  }

  nameOf(memberId: string): RosterEntry {
    const known = this.names.get(memberId) ?? this.record?.names?.[memberId];
    return { memberId, displayName: known?.displayName ?? null, role: known?.role ?? null };
  }

  async start(): Promise<void> {
    this.identity = await loadIdentity(this.store, this.memberId);
    this.record = await this.store.session(this.memberId, this.sessionId);
    const identity = this.identity;
    const state = this.record.state === null ? null : mls.loadState(this.record.state);
    this.member = new Member(
      this.memberId,
      this.sessionId,
      () => mls.newKeyPackage(this.memberId, keysOf(identity)),
      state,
      this.record.cursor,
    );
    this.tickExpiry();
    if (state !== null) await this.refreshRoster();
    void this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer !== null) window.clearTimeout(this.reconnectTimer);
    if (this.expiryTimer !== null) window.clearTimeout(this.expiryTimer);
    this.ws?.close(1000);
    this.ws = null;
  }

  // -- what the page does ----------------------------------------------------------------
  sendText(body: string): Promise<void> {
    const text: Envelope = { type: 'text', id: newMessageId(), ts: Date.now(), body };
    if (this.lang !== null) text.lang = this.lang;
    if (this.interpretOptOut) text.interpret = false;
    return this.sendEnvelope(encodeEnvelope(text));
  }

  get interpretOptOut(): boolean {
    return this.record?.interpretOptOut === true;
  }

  /** Keep this member's messages out of interpretation (or not); told to the group. */
  setInterpretOptOut(optOut: boolean): Promise<void> {
    return this.serial(async () => {
      const record = this.record;
      if (record === null) return;
      record.interpretOptOut = optOut;
      await this.store.saveSession(record);
      const member = this.member;
      if (member !== null && member.active) await this.emit(await member.send(this.profile()));
    });
  }

  private profile(): Uint8Array {
    return encodeEnvelope({
      type: 'profile',
      id: newMessageId(),
      ts: Date.now(),
      lang: this.lang ?? 'und',
      interpret: !this.interpretOptOut,
      name: this.displayName,
    });
  }

  /** Our profile, when we join and again whenever someone joins (a joiner cannot read earlier epochs). */
  private async announceProfile(members: string[]): Promise<void> {
    const member = this.member;
    if (member === null || !member.active || this.lang === null) return;
    const before = this.profiledMembers;
    const joined = before === null || members.some((id) => id !== this.memberId && !before.has(id));
    this.profiledMembers = new Set(members);
    if (joined) await this.emit(await member.send(this.profile()));
  }

  deleteOwn(target: string): Promise<void> {
    return this.sendEnvelope(encodeEnvelope({ type: 'delete', id: newMessageId(), ts: Date.now(), target }));
  }

  setTimer(seconds: number): Promise<void> {
    return this.sendEnvelope(encodeEnvelope({ type: 'timer', id: newMessageId(), ts: Date.now(), seconds }));
  }

  removeMember(memberId: string): Promise<unknown> {
    return this.http.request('POST', `/api/sessions/${encodeURIComponent(this.sessionId)}/removals`, {
      member_id: memberId,
    });
  }

  private sendEnvelope(data: Uint8Array): Promise<void> {
    return this.serial(async () => {
      const member = this.member;
      if (member === null || !member.active) throw new Error('not in the group');
      await this.emit(await member.send(data));
    });
  }

  // -- the loop --------------------------------------------------------------------------
  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setStatus(status: Status, detail?: string): void {
    if (status === 'removed' || detail === 'group_lost') this.leaveMediaEpochs();
    this.status = status;
    this.listener.status(status, detail);
  }

  private async connect(): Promise<void> {
    if (this.closed || this.member === null) return;
    const member = this.member;
    if (member.state === null) {
      try {
        const info = await this.groupInfo();
        member.cursorForJoin(info.head);
      } catch (error) {
        if (!(error instanceof HttpError && error.code === 'no_group')) {
          this.retry();
          return;
        }
      }
    }
    const url = new URL('/api/ws', this.origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url.href);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.ready = false;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'hello', token: this.token, session_id: this.sessionId, cursor: member.cursor }));
    };
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      const data = event.data;
      void this.serial(() => this.onFrame(data)).catch(() => {
        this.setStatus('failed');
      });
    };
    ws.onclose = (event: CloseEvent) => {
      if (this.ws === ws) this.ws = null;
      this.ready = false;
      void this.serial(async () => this.onClosed(event.code));
    };
  }

  private onClosed(code: number): void {
    if (this.closed) return;
    if (this.member?.removed || code === 4403) {
      this.setStatus('removed');
      return;
    }
    if (FINAL_CLOSE_CODES.has(code)) {
      this.setStatus('closed', String(code));
      return;
    }
    this.setStatus('offline');
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    this.reconnectTimer = window.setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, this.delay);
    this.delay = Math.min(this.delay * 2, 5000);
  }

  private async onFrame(data: ArrayBuffer | string): Promise<void> {
    const member = this.member;
    if (member === null) return;
    if (typeof data !== 'string') {
      await this.emit(await member.onEntries(decodeEntries(new Uint8Array(data))));
      await this.persist();
      return;
    }
    const body = JSON.parse(data) as Record<string, unknown>;
    if (body.type === 'ready') {
      this.delay = 250;
      this.setStatus(member.state === null ? 'joining' : 'connecting');
      void this.keyPackages(body.key_packages as KeyPackageStatus);
      await this.emit(await member.onReady((body.group as ReadyGroup | null) ?? null));
    } else if (body.type === 'caught_up') {
      this.ready = true;
      const waiting = this.outbox.filter((frame) => frame[0] !== FRAME_MESSAGE);
      this.outbox = [];
      for (const frame of waiting) this.ws?.send(frame);
      await this.emit(await member.onControl(body));
      this.announceEpoch(); // a stored state that no commit moved on
      if (member.active) this.setStatus('ready');
    } else {
      await this.emit(await member.onControl(body));
    }
    await this.persist();
  }

  private async keyPackages(status: KeyPackageStatus | undefined): Promise<void> {
    if (status === undefined || this.identity === null) return;
    try {
      await topUp(this.store, this.http, this.identity, status);
    } catch {
      // retried at the next connection's `ready`
    }
  }

  private groupInfo(): Promise<{ head: number; group_info: string }> {
    return this.http.request('GET', `/api/sessions/${encodeURIComponent(this.sessionId)}/group-info`);
  }

  private async emit(outputs: Output[]): Promise<void> {
    for (const output of outputs) {
      switch (output.kind) {
        case 'frame':
          if (this.ws !== null && this.ready && this.ws.readyState === WebSocket.OPEN) this.ws.send(output.data);
          else this.outbox.push(output.data);
          break;
        case 'needGroupInfo': {
          const info = await this.groupInfo();
          await this.emit(await this.member!.joinWith(fromBase64(info.group_info)));
          break;
        }
        case 'message':
          this.onMessage(output.seq, output.sender, output.data);
          break;
        case 'roster':
          this.announceEpoch();
          if (this.ready) this.setStatus('ready');
          await this.refreshRoster();
          await this.announceProfile(output.members);
          break;
        case 'removed':
          this.setStatus('removed');
          break;
        case 'refused':
          this.setStatus(this.status, output.reason);
          break;
        case 'undecryptable':
          break;
      }
    }
  }

  private onMessage(seq: number, sender: string, data: Uint8Array): void {
    const record = this.record;
    if (record === null) return;
    const envelope = decodeEnvelope(data, `seq-${seq}`, Date.now());
    if (envelope === null) return;
    const change = applyEnvelope(record, envelope, seq, sender, Date.now(), this.lang);
    if (change === null) return;
    if (!this.names.has(sender)) void this.refreshRoster();
    this.listener.change(change);
    this.tickExpiry();
  }

  private tickExpiry(): void {
    const record = this.record;
    if (record === null || this.closed) return;
    const gone = expire(record, Date.now());
    if (gone.length > 0) {
      this.listener.expired(gone);
      void this.serial(() => this.persist());
    }
    if (this.expiryTimer !== null) window.clearTimeout(this.expiryTimer);
    const next = nextExpiry(record);
    this.expiryTimer =
      next === null ? null : window.setTimeout(() => this.tickExpiry(), Math.max(0, next - Date.now()) + 50);
  }

  private async refreshRoster(): Promise<void> {
    const member = this.member;
    if (member === null || member.state === null) return;
    try {
      const group = await this.http.request<GroupBody>(
        'GET',
        `/api/sessions/${encodeURIComponent(this.sessionId)}/group`,
      );
      const record = this.record;
      for (const entry of group.roster) {
        const name = { displayName: entry.display_name, role: entry.role };
        this.names.set(entry.member_id, name);
        if (record !== null) record.names = { ...record.names, [entry.member_id]: name };
      }
    } catch {
      // names stay as they were; the list still shows every key holder
    }
    const state = member.state;
    if (state === null) return;
    const code = member.active ? formatVerificationCode(await mls.verificationSecret(state)) : null;
    this.listener.roster(
      member.members().map((id) => this.nameOf(id)),
      code,
    );
  }

  private async persist(): Promise<void> {
    const member = this.member;
    const record = this.record;
    if (member === null || record === null) return;
    record.state = member.state === null ? null : mls.saveState(member.state);
    record.cursor = member.cursor;
    await this.store.saveSession(record);
  }
}
