// @vitest-environment node
// The conversation modules with real ts-mls, sans-I/O: members exchange frames through
// a tiny in-memory log that plays the delivery service (test/memberLog.ts).
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, utf8 } from '../src/conversation/bytes';
import { applyEnvelope, expire } from '../src/conversation/conversation';
import { decodeEnvelope, encodeEnvelope } from '../src/conversation/envelope';
import { commitFrame, createFrame, decodeEntries, messageFrame } from '../src/conversation/frames';
import { Member } from '../src/conversation/member';
import * as mls from '../src/conversation/mls';
import type { SessionRecord } from '../src/conversation/storage';
import { formatVerificationCode } from '../src/conversation/verification';
import { Log, newMember, parseFrame } from './memberLog';

async function code(member: Member): Promise<string> {
  return formatVerificationCode(await mls.verificationSecret(member.state!));
}

describe('members over a log', () => {
  it('create, join, talk, remove: everyone agrees, the removed member reads nothing more', async () => {
    const log = new Log();
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((id) => newMember(id)));
    for (const member of [alice!, bob!, carol!]) log.add(member);
    await log.handle(alice!, await alice!.onReady(null));
    await log.handle(bob!, await bob!.onReady({}));
    await log.handle(carol!, await carol!.onReady({}));
    expect(alice!.members().sort()).toEqual(['alice', 'bob', 'carol']);
    expect(await code(alice!)).toBe(await code(bob!));
    expect(await code(alice!)).toBe(await code(carol!));
    expect(await code(alice!)).toMatch(/^\d{5} \d{5} \d{5} \d{5}$/);

    await log.handle(bob!, await bob!.send(utf8('hello')));
    await log.handle(carol!, await carol!.send(utf8('hi bob')));
    expect(log.messages('alice')).toEqual(['hello', 'hi bob']);
    const aliceSaw = log.events.get('alice')!.filter((event) => event.kind === 'message');
    expect(aliceSaw.map((event) => (event.kind === 'message' ? event.sender : ''))).toEqual(['bob', 'carol']);
    expect(log.messages('bob')).toEqual(['hello', 'hi bob']);

    // The service tells members that carol was removed; one commits the Remove.
    await log.handle(alice!, await alice!.onControl({ type: 'member_removed', member_id: 'carol', by: 'facilitator' }));
    expect(carol!.removed).toBe(true);
    expect(alice!.members().sort()).toEqual(['alice', 'bob']);
    expect(await code(alice!)).toBe(await code(bob!));
    await log.handle(alice!, await alice!.send(utf8('carol is gone')));
    expect(log.messages('bob')).toContain('carol is gone');
    expect(log.messages('carol')).not.toContain('carol is gone');
  });

  it('group state survives being stored and loaded', async () => {
    const log = new Log();
    const alice = await newMember('alice');
    const bob = await newMember('bob');
    log.add(alice);
    log.add(bob);
    await log.handle(alice, await alice.onReady(null));
    await log.handle(bob, await bob.onReady({}));
    const restored = new Member(
      'bob',
      'session-1',
      () => Promise.reject(new Error('unused')),
      mls.loadState(mls.saveState(bob.state!)),
      bob.cursor,
    );
    log.members.set('bob', restored);
    await log.handle(alice, await alice.send(utf8('after a reload')));
    expect(log.messages('bob')).toEqual(['after a reload']);
    expect(await code(restored)).toBe(await code(alice));
  });

  it('a message refused for a stale epoch is encrypted again after the commit', async () => {
    const log = new Log();
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((id) => newMember(id)));
    log.add(alice!);
    log.add(bob!);
    await log.handle(alice!, await alice!.onReady(null));
    const early = await alice!.send(utf8('sent before bob joined'));
    await log.handle(bob!, await bob!.onReady({}));
    const ref = parseFrame((early[0] as { data: Uint8Array }).data).ref;
    const again = await alice!.onControl({ type: 'rejected', ref, reason: 'stale_epoch', epoch: 1 });
    expect(again).toHaveLength(1);
    await log.handle(alice!, again);
    expect(log.messages('bob')).toEqual(['sent before bob joined']);
  });
});

describe('re-joining with the same identity (resync)', () => {
  it('after history expired, the member re-joins and its old leaf is removed', async () => {
    const log = new Log();
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((id) => newMember(id)));
    for (const member of [alice!, bob!, carol!]) log.add(member);
    await log.handle(alice!, await alice!.onReady(null));
    await log.handle(bob!, await bob!.onReady({}));
    log.offline.add('bob');
    await log.handle(carol!, await carol!.onReady({}));
    await log.handle(alice!, await alice!.send(utf8('bob misses this')));
    log.offline.delete('bob');
    const out = await bob!.onControl({ type: 'history_expired', oldest: 3 });
    expect(out.map((o) => o.kind)).toEqual(['refused', 'needGroupInfo']);
    await log.handle(bob!, out);
    expect(bob!.active).toBe(true);
    expect(alice!.members().sort()).toEqual(['alice', 'bob', 'carol']);
    expect(await code(bob!)).toBe(await code(alice!));
    await log.handle(carol!, await carol!.send(utf8('welcome back')));
    expect(log.messages('bob')).toEqual(['welcome back']);
  });

  it('a browser that lost its group state but kept its key takes its own leaf back', async () => {
    const log = new Log();
    const keys = await mls.newSignatureKeys();
    const alice = await newMember('alice');
    const bob = await newMember('bob', keys);
    log.add(alice);
    log.add(bob);
    await log.handle(alice, await alice.onReady(null));
    await log.handle(bob, await bob.onReady({}));
    const again = await newMember('bob', keys);
    log.members.set('bob', again);
    log.events.set('bob', []);
    await log.handle(again, await again.onReady({}));
    expect(alice.members().sort()).toEqual(['alice', 'bob']);
    await log.handle(alice, await alice.send(utf8('hello again')));
    expect(log.messages('bob')).toEqual(['hello again']);
  });
});

describe('frames', () => {
  it('encodes client frames as the gateway parses them', () => {
    expect(Array.from(messageFrame(7, new Uint8Array([9])))).toEqual([1, 0, 0, 0, 7, 9]);
    expect(Array.from(createFrame(1, new Uint8Array([5])))).toEqual([3, 0, 0, 0, 1, 5]);
    expect(Array.from(commitFrame(2, new Uint8Array([1, 2]), new Uint8Array([3])))).toEqual([
      2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3,
    ]);
  });

  it('decodes server entries and refuses broken ones', () => {
    const frame = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 42, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0]);
    expect(decodeEntries(frame).map((entry) => [entry.seq, Array.from(entry.data)])).toEqual([
      [4, [42]],
      [5, []],
    ]);
    expect(() => decodeEntries(frame.subarray(0, 12))).toThrow();
    expect(() => decodeEntries(new Uint8Array(0))).toThrow();
  });
});

describe('verification code', () => {
  it('is four groups of five digits from the four big-endian words', () => {
    const secret = new Uint8Array(16);
    secret.set([0xff, 0xff, 0xff, 0xff], 0); // 4294967295 % 100000 = 67295
    secret.set([0, 0, 0, 7], 4);
    expect(formatVerificationCode(secret)).toBe('67295 00007 00000 00000');
    expect(() => formatVerificationCode(new Uint8Array(15))).toThrow();
  });
});

describe('envelopes and the conversation', () => {
  const record = (): SessionRecord => ({ key: 'm/s', state: null, cursor: 0, messages: [], timerSeconds: 0 });

  it('round-trips, reads plain text, refuses junk', () => {
    const env = { type: 'text', id: 'abc', ts: 5, body: 'héllo' } as const;
    expect(decodeEnvelope(encodeEnvelope(env), 'x', 9)).toEqual(env);
    expect(decodeEnvelope(utf8('just words'), 'seq-3', 9)).toEqual({
      type: 'text',
      id: 'seq-3',
      ts: 9,
      body: 'just words',
    });
    expect(decodeEnvelope(new Uint8Array([0xff]), 'x', 9)).toBeNull();
    expect(decodeEnvelope(utf8('{"v":2,"type":"text","id":"a","body":"b"}'), 'x', 9)).toBeNull();
    expect(decodeEnvelope(utf8('{"v":1,"type":"timer","id":"a","seconds":-1}'), 'x', 9)).toBeNull();
  });

  it('deletes only the sender own text, and expires texts after a timer', () => {
    const r = record();
    applyEnvelope(r, { type: 'text', id: 'a', ts: 0, body: 'one' }, 1, 'bob', 10);
    expect(applyEnvelope(r, { type: 'delete', id: 'd1', ts: 0, target: 'a' }, 2, 'eve', 10)).toBeNull();
    expect(r.messages).toHaveLength(1);
    expect(applyEnvelope(r, { type: 'delete', id: 'd2', ts: 0, target: 'a' }, 3, 'bob', 10)).toEqual({
      kind: 'deleted',
      id: 'a',
    });
    expect(r.messages).toHaveLength(0);

    applyEnvelope(r, { type: 'timer', id: 't', ts: 0, seconds: 60 }, 4, 'bob', 1000);
    applyEnvelope(r, { type: 'text', id: 'b', ts: 5_000_000, body: 'later' }, 5, 'ama', 1000); // clock ahead: capped
    expect(r.messages[0]!.expiresAt).toBe(61_000);
    expect(expire(r, 60_999)).toEqual([]);
    expect(expire(r, 61_000)).toEqual(['b']);
    expect(r.messages).toHaveLength(0);
  });

  it('ignores a second copy of the same text', () => {
    const r = record();
    applyEnvelope(r, { type: 'text', id: 'a', ts: 0, body: 'one' }, 1, 'bob', 10);
    expect(applyEnvelope(r, { type: 'text', id: 'a', ts: 0, body: 'one' }, 2, 'bob', 10)).toBeNull();
  });
});

describe('bytes', () => {
  it('base64 round-trips', () => {
    const data = new Uint8Array(70_000).map((_, i) => i % 256);
    expect(fromBase64(toBase64(data))).toEqual(data);
  });
});
