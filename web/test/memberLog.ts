// A delivery service in miniature for tests of the conversation modules with real ts-mls,
// sans-I/O: members exchange frames through an in-memory log (one commit per epoch,
// entries in order to everyone, the sender included).
import { Member, type Output } from '../src/conversation/member';
import * as mls from '../src/conversation/mls';

export function parseFrame(frame: Uint8Array): {
  kind: number;
  ref: number;
  message: Uint8Array;
  info: Uint8Array | null;
} {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const kind = view.getUint8(0);
  const ref = view.getUint32(1);
  const body = frame.subarray(5);
  if (kind === 1) return { kind, ref, message: body, info: null };
  if (kind === 3) return { kind, ref, message: new Uint8Array(0), info: body };
  const n = view.getUint32(5);
  return { kind, ref, message: body.subarray(4, 4 + n), info: body.subarray(4 + n) };
}

/** A delivery service in miniature: it accepts what it is given, in order. */
export class Log {
  entries: { seq: number; data: Uint8Array }[] = [];
  groupInfo: Uint8Array | null = null;
  members = new Map<string, Member>();
  events = new Map<string, Output[]>();
  offline = new Set<string>();

  add(member: Member): void {
    this.members.set(member.memberId, member);
    this.events.set(member.memberId, []);
  }

  async handle(from: Member, outputs: Output[]): Promise<void> {
    for (const output of outputs) {
      this.events.get(from.memberId)!.push(output);
      if (output.kind === 'needGroupInfo') await this.handle(from, await from.joinWith(this.groupInfo!));
      if (output.kind !== 'frame') continue;
      const frame = parseFrame(output.data);
      if (frame.kind === 3) {
        this.groupInfo = frame.info;
        await this.handle(from, await from.onControl({ type: 'accepted', ref: frame.ref, seq: 0, epoch: 0 }));
        continue;
      }
      if (frame.info !== null) this.groupInfo = frame.info;
      const entry = { seq: this.entries.length + 1, data: frame.message };
      this.entries.push(entry);
      for (const member of this.members.values()) {
        if (member.removed || this.offline.has(member.memberId)) continue;
        await this.handle(member, await member.onEntries([entry]));
      }
    }
  }

  messages(memberId: string): string[] {
    return this.events
      .get(memberId)!
      .flatMap((event) => (event.kind === 'message' ? [new TextDecoder().decode(event.data)] : []));
  }
}

export async function newMember(id: string, keys?: mls.SignatureKeys): Promise<Member> {
  const own = keys ?? (await mls.newSignatureKeys());
  return new Member(id, 'session-1', () => mls.newKeyPackage(id, own));
}
