// One member's view of one session's group: gateway frames in, frames and events out.
// The same protocol as the Python client (src/indaba/client/member.py; docs/delivery.md).
//
// Every own action -- a message, a commit, the external commit that joins -- takes
// effect at its place in the log, when its own bytes come back as an entry; the
// service's `accepted` only confirms it, so a reconnect that loses it loses nothing.
// Calls must not overlap: the connection feeds one frame at a time.
import { bytesKey, fromBase64 } from './bytes';
import { commitFrame, createFrame, messageFrame, type Entry } from './frames';
import * as mls from './mls';
import type { ClientState, KeyPackageBundle } from './mls';

export type Output =
  | { kind: 'frame'; data: Uint8Array }
  | { kind: 'needGroupInfo' }
  | { kind: 'message'; seq: number; sender: string; data: Uint8Array; own: boolean }
  | { kind: 'roster'; epoch: number; members: string[] }
  | { kind: 'removed' }
  | { kind: 'refused'; reason: string }
  | { kind: 'undecryptable'; seq: number };

interface Own {
  kind: 'message' | 'commit' | 'join' | 'create';
  ref: number;
  data?: Uint8Array; // a message's plaintext
  next?: ClientState; // the epoch a commit (or join) of ours creates
}

export interface ReadyGroup {
  pending_removals?: string[];
}

const CREATE_KEY = 'create';

export class Member {
  state: ClientState | null;
  cursor: number;
  removed = false;
  private nextRef = 1;
  private readonly own = new Map<string, Own>();
  private readonly refs = new Map<number, string>();
  private resend: Uint8Array[] = [];
  private readonly wantedRemovals = new Set<string>();
  private commitPending = false;
  private joining = false;

  constructor(
    readonly memberId: string,
    readonly sessionId: string,
    /** A fresh KeyPackage (with our signature key) for creating or joining the group. */
    private readonly leaf: () => Promise<KeyPackageBundle>,
    state: ClientState | null = null,
    cursor = 0,
  ) {
    this.state = state;
    this.cursor = cursor;
  }

  private ref(): number {
    const ref = this.nextRef;
    this.nextRef = (ref % 0xffffffff) + 1;
    return ref;
  }

  private remember(key: string, own: Own): void {
    this.own.set(key, own);
    this.refs.set(own.ref, key);
  }

  members(): string[] {
    return this.state === null ? [] : mls.members(this.state).map(([, id]) => id);
  }

  get active(): boolean {
    return this.state !== null && !this.removed && mls.isActive(this.state);
  }

  // -- what the application does -------------------------------------------------------
  async send(data: Uint8Array): Promise<Output[]> {
    if (this.state === null || !this.active) throw new Error('not in the group yet');
    const { state, message } = await mls.encrypt(this.state, data);
    this.state = state;
    const own: Own = { kind: 'message', ref: this.ref(), data };
    this.remember(bytesKey(message), own);
    return [{ kind: 'frame', data: messageFrame(own.ref, message) }];
  }

  async joinWith(groupInfo: Uint8Array): Promise<Output[]> {
    const { state, commit } = await mls.joinExternal(groupInfo, await this.leaf());
    const own: Own = { kind: 'join', ref: this.ref(), next: state };
    this.joining = true;
    this.remember(bytesKey(commit), own);
    return [{ kind: 'frame', data: commitFrame(own.ref, commit, await mls.groupInfoOf(state)) }];
  }

  /** A new joiner starts reading the log at the GroupInfo's head. */
  cursorForJoin(head: number): void {
    if (this.state === null) this.cursor = head;
  }

  // -- what the gateway sends ------------------------------------------------------------
  async onReady(group: ReadyGroup | null): Promise<Output[]> {
    if (group === null) {
      if (this.state !== null) return [{ kind: 'refused', reason: 'group_lost' }];
      this.state = await mls.newGroup(this.sessionId, await this.leaf());
      const own: Own = { kind: 'create', ref: this.ref() };
      this.remember(CREATE_KEY, own);
      return [{ kind: 'frame', data: createFrame(own.ref, await mls.groupInfoOf(this.state)) }];
    }
    if (this.state === null) return this.joining ? [] : [{ kind: 'needGroupInfo' }];
    for (const id of group.pending_removals ?? []) this.wantedRemovals.add(id);
    return this.maybeCommitRemovals();
  }

  async onControl(body: Record<string, unknown>): Promise<Output[]> {
    switch (body.type) {
      case 'accepted':
        if (this.refs.get(body.ref as number) === CREATE_KEY && this.state !== null) {
          this.refs.delete(body.ref as number);
          this.own.delete(CREATE_KEY);
          return [{ kind: 'roster', epoch: 0, members: this.members() }];
        }
        return [];
      case 'rejected':
        return this.onRejected(body);
      case 'group_created':
        return this.state === null && !this.joining ? [{ kind: 'needGroupInfo' }] : [];
      case 'member_removed':
        if (body.member_id === this.memberId) return [];
        this.wantedRemovals.add(String(body.member_id));
        return this.maybeCommitRemovals();
      case 'removed':
        this.removed = true;
        return [{ kind: 'removed' }];
      case 'caught_up':
        return this.resendUnconfirmed();
      case 'history_expired': {
        // Retention deleted entries we never read: we cannot follow those epochs. Re-join
        // by an external commit that also removes our old leaf (RFC 9420 §12.4.3.2 resync);
        // the entries before our new commit are skipped (state is null until it lands).
        const out: Output[] = [{ kind: 'refused', reason: 'history_expired' }];
        if (this.state === null || this.joining) return out;
        this.state = null;
        this.dropPendingCommit();
        return [...out, { kind: 'needGroupInfo' }];
      }
      default:
        return [];
    }
  }

  private async onRejected(body: Record<string, unknown>): Promise<Output[]> {
    const reason = String(body.reason);
    const ref = typeof body.ref === 'number' ? body.ref : null;
    const key = ref === null ? undefined : this.refs.get(ref);
    const own = key === undefined ? undefined : this.own.get(key);
    if (ref !== null) this.refs.delete(ref);
    if (key !== undefined) this.own.delete(key);
    if (reason === 'replay') return []; // those bytes are in the log already
    if (own === undefined) return [{ kind: 'refused', reason }];
    switch (own.kind) {
      case 'create':
        this.state = null; // someone else created it first
        return [{ kind: 'needGroupInfo' }];
      case 'join':
        this.joining = false;
        return reason === 'stale_epoch' ? [{ kind: 'needGroupInfo' }] : [{ kind: 'refused', reason }];
      case 'commit':
        this.commitPending = false;
        return []; // re-evaluated when the log moves on
      case 'message':
        if (reason === 'stale_epoch' || reason === 'future_epoch') {
          if (own.data !== undefined) this.resend.push(own.data);
          return this.flushResend(typeof body.epoch === 'number' ? body.epoch : -1);
        }
        return [{ kind: 'refused', reason }];
    }
  }

  /** After a reconnect's catch-up: what we sent but never saw in the log goes again. */
  private async resendUnconfirmed(): Promise<Output[]> {
    const out: Output[] = [];
    for (const [key, own] of [...this.own]) {
      if (own.kind === 'message') {
        // identical bytes are safe to resend: the service refuses a second copy as a
        // replay; a `stale_epoch` answer makes us re-encrypt (onRejected)
        out.push({ kind: 'frame', data: messageFrame(own.ref, fromBase64(key)) });
      } else if (own.kind === 'commit') {
        this.own.delete(key);
        this.refs.delete(own.ref);
        this.commitPending = false;
      }
    }
    out.push(...(await this.maybeCommitRemovals()));
    return out;
  }

  private async flushResend(epoch: number): Promise<Output[]> {
    if (this.state === null || !this.active || mls.epochOf(this.state) < epoch || this.resend.length === 0) return [];
    const waiting = this.resend;
    this.resend = [];
    const out: Output[] = [];
    for (const data of waiting) out.push(...(await this.send(data)));
    return out;
  }

  private async maybeCommitRemovals(): Promise<Output[]> {
    if (this.state === null || !this.active || this.commitPending) return [];
    const holders = new Map(mls.members(this.state).map(([leaf, id]) => [id, leaf]));
    const leaves: number[] = [];
    for (const id of [...this.wantedRemovals].sort()) {
      const leaf = holders.get(id);
      if (leaf === undefined) this.wantedRemovals.delete(id);
      else leaves.push(leaf);
    }
    if (leaves.length === 0) return [];
    const { state, commit, groupInfo } = await mls.commitRemovals(this.state, leaves);
    const own: Own = { kind: 'commit', ref: this.ref(), next: state };
    this.commitPending = true;
    this.remember(bytesKey(commit), own);
    return [{ kind: 'frame', data: commitFrame(own.ref, commit, groupInfo) }];
  }

  async onEntries(entries: Entry[]): Promise<Output[]> {
    const out: Output[] = [];
    for (const { seq, data } of entries) {
      if (seq <= this.cursor) continue; // already processed
      this.cursor = seq;
      out.push(...(await this.onEntry(seq, data)));
    }
    return out;
  }

  private async onEntry(seq: number, data: Uint8Array): Promise<Output[]> {
    const key = bytesKey(data);
    const own = this.own.get(key);
    if (own !== undefined) {
      this.own.delete(key);
      this.refs.delete(own.ref);
      return this.applyOwn(seq, own);
    }
    if (this.state === null || !this.active) return [];
    let result: mls.Processed;
    try {
      result = await mls.processIncoming(this.state, data);
    } catch {
      // ts-mls cannot always tell that a commit removed us (shared notes, item 5)
      return [{ kind: 'undecryptable', seq }];
    }
    this.state = result.state;
    if (result.kind === 'application') {
      return [{ kind: 'message', seq, sender: result.sender, data: result.data, own: false }];
    }
    if (result.kind === 'commit') {
      if (this.commitPending) this.dropPendingCommit();
      if (result.removed) {
        this.removed = true;
        return [{ kind: 'removed' }];
      }
      return this.afterEpochChange();
    }
    return [];
  }

  private dropPendingCommit(): void {
    for (const [key, own] of [...this.own]) {
      if (own.kind === 'commit') {
        this.own.delete(key);
        this.refs.delete(own.ref);
      }
    }
    this.commitPending = false;
  }

  private async applyOwn(seq: number, own: Own): Promise<Output[]> {
    switch (own.kind) {
      case 'message':
        return [{ kind: 'message', seq, sender: this.memberId, data: own.data ?? new Uint8Array(0), own: true }];
      case 'join':
        this.state = own.next ?? null;
        this.joining = false;
        return this.afterEpochChange();
      case 'commit':
        this.commitPending = false;
        if (own.next !== undefined) this.state = own.next;
        return this.afterEpochChange();
      case 'create':
        return [];
    }
  }

  private async afterEpochChange(): Promise<Output[]> {
    if (this.state === null) return [];
    const out: Output[] = [{ kind: 'roster', epoch: mls.epochOf(this.state), members: this.members() }];
    out.push(...(await this.flushResend(mls.epochOf(this.state))));
    out.push(...(await this.maybeCommitRemovals()));
    return out;
  }
}
