// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  DUCKED_VOLUME,
  audioLevel,
  decodeDisplay,
  encodeDisplay,
  hearsInterpretation,
  layerForWidth,
  originalVolume,
  undecryptable,
} from '../src/media/meeting';
import {
  SFrameError,
  baseKey,
  clearBytesFor,
  decodeHeader,
  decryptFrame,
  deriveKey,
  encodeHeader,
  encryptFrame,
  hkdfExpand,
  keyId,
  peekKeyId,
  splitKeyId,
} from '../src/media/sframe';
import { I18n } from '../src/i18n';
import { PushedKeySource } from '../src/media/keys';
import { EXPORTER_LABEL, EXPORTER_LENGTH } from '../src/media/sframe';
import * as mls from '../src/conversation/mls';
import { Log, newMember } from './memberLog';
import { matchRoute, meetingPath } from '../src/router';

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

describe('SFrame header (RFC 9605 §4.3)', () => {
  it('packs small KID and CTR in the config byte', () => {
    expect(hex(encodeHeader(0n, 0n))).toBe('00');
    expect(hex(encodeHeader(7n, 7n))).toBe('77');
  });
  it('uses minimal extended fields', () => {
    expect(hex(encodeHeader(8n, 0n))).toBe('8008');
    expect(hex(encodeHeader(0x1234n, 0x10000n))).toBe('9a1234010000');
  });
  it('round-trips', () => {
    for (const [kid, ctr] of [
      [0n, 0n],
      [5n, 300n],
      [0xffffn, 0xffffffffffffn],
    ] as const) {
      const header = encodeHeader(kid, ctr);
      expect(decodeHeader(header)).toEqual({ kid, ctr, length: header.length });
    }
  });
  it('rejects truncated headers', () => {
    expect(() => decodeHeader(new Uint8Array([0x9a, 0x12]))).toThrow(SFrameError);
    expect(() => decodeHeader(new Uint8Array([]))).toThrow(SFrameError);
  });
});

/** Bytes from hex (the DOM library has no Buffer). */
function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

describe('keys', () => {
  it('KID carries sender index and epoch bits', () => {
    expect(splitKeyId(keyId(5, 17))).toEqual({ senderIndex: 5, epochBits: 1 });
  });
  it('HKDF-Expand matches RFC 5869 test case 1', async () => {
    const prk = fromHex('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    const info = fromHex('f0f1f2f3f4f5f6f7f8f9');
    const okm = await hkdfExpand(prk, info, 32);
    expect(hex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf');
  });
});

async function keyFor(secret: Uint8Array, sender: number, epoch: number) {
  return deriveKey(await baseKey(secret, sender), keyId(sender, epoch));
}

describe('frames', () => {
  const secret = new Uint8Array(32).fill(7);
  const frame = Uint8Array.from({ length: 200 }, (_, i) => i);

  it('round-trips with the codec prefix clear and authenticated', async () => {
    const key = await keyFor(secret, 2, 1);
    const sealed = await encryptFrame(key, 9n, frame, 10);
    expect([...sealed.subarray(0, 10)]).toEqual([...frame.subarray(0, 10)]);
    expect(sealed.length).toBe(200 + 1 + 1 + 1 + 16); // header: config, KID byte, no CTR byte… plus tag
    expect(peekKeyId(sealed, 10)).toBe(keyId(2, 1));
    expect([...(await decryptFrame(key, sealed, 10))]).toEqual([...frame]);
    const tampered = sealed.slice();
    tampered[3] = (tampered[3] ?? 0) ^ 1; // a clear byte
    await expect(decryptFrame(key, tampered, 10)).rejects.toThrow(SFrameError);
  });

  it('fails with another sender, epoch or group key', async () => {
    const key = await keyFor(secret, 2, 1);
    const sealed = await encryptFrame(key, 1n, frame, 3);
    await expect(decryptFrame(await keyFor(secret, 3, 1), sealed, 3)).rejects.toThrow(SFrameError);
    await expect(decryptFrame(await keyFor(secret, 2, 2), sealed, 3)).rejects.toThrow(SFrameError);
    const other = await keyFor(new Uint8Array(32).fill(8), 2, 1);
    await expect(decryptFrame(other, sealed, 3)).rejects.toThrow('authentication failed');
  });

  it('keeps codec bytes clear', () => {
    expect(clearBytesFor('audio', undefined)).toBe(1);
    expect(clearBytesFor('video', 'key')).toBe(10);
    expect(clearBytesFor('video', 'delta')).toBe(3);
  });
});

describe('meeting helpers', () => {
  it('picks simulcast layers by tile width', () => {
    expect([100, 320, 639, 640, 1920].map(layerForWidth)).toEqual([0, 1, 1, 2, 2]);
  });
  it('encodes display with hand state, and accepts plain names', () => {
    expect(decodeDisplay(encodeDisplay({ n: 'Amina', h: true }))).toEqual({ n: 'Amina', h: true });
    expect(decodeDisplay('Farid')).toEqual({ n: 'Farid' });
  });
  it('reads an interpretation feed’s language from its display, and nothing else as one', () => {
    // what indaba.interpret.voice.interpretation_display publishes
    expect(decodeDisplay('{"n": "Interpreter (es)", "i": "es"}')).toEqual({ n: 'Interpreter (es)', i: 'es' });
    expect(decodeDisplay(encodeDisplay({ n: 'Interpreter (zh)', i: 'zh-Hans' })).i).toBe('zh-Hans');
    for (const bad of ['', 'ES', 'e', 'es fr', '<b>', 7, true, null]) {
      const display = decodeDisplay(JSON.stringify({ n: 'Someone', i: bad }));
      expect(display.n).toBe('Someone');
      expect(display.i).toBeUndefined();
    }
    expect(decodeDisplay('null')).toEqual({ n: 'null' });
    expect(decodeDisplay('{"i": "es"}').i).toBeUndefined(); // no name: a plain display
  });
  it('hears the interpretation by default when it exists, and ducks only while it speaks', () => {
    expect(hearsInterpretation(null, true)).toBe(true);
    expect(hearsInterpretation(null, false)).toBe(false);
    expect(hearsInterpretation(false, true)).toBe(false);
    expect(hearsInterpretation(true, false)).toBe(false); // chosen, but no such feed now
    expect(originalVolume(true, true)).toBe(DUCKED_VOLUME);
    expect(DUCKED_VOLUME).toBeCloseTo(0.2);
    expect(originalVolume(true, false)).toBe(1);
    expect(originalVolume(false, true)).toBe(1); // off: the original only, never lowered
  });
  it('counts a feed as undecryptable only while new frames all fail', () => {
    expect(undecryptable({ ok: 0, failed: 0 }, { ok: 0, failed: 30 })).toBe(true);
    expect(undecryptable({ ok: 200, failed: 0 }, { ok: 200, failed: 30 })).toBe(true); // decrypted before, fails now
    expect(undecryptable({ ok: 200, failed: 30 }, { ok: 230, failed: 31 })).toBe(false);
    expect(undecryptable({ ok: 0, failed: 30 }, { ok: 0, failed: 30 })).toBe(false); // nothing arrived
  });
  it('measures the speaking level over the interval, not at an instant', () => {
    expect(audioLevel({ energy: 1, duration: 10 }, { energy: 1.01, duration: 11 })).toBeCloseTo(0.1);
    expect(audioLevel({ energy: 1, duration: 10 }, { energy: 1, duration: 11 })).toBe(0); // silence
    expect(audioLevel({ energy: 1, duration: 10 }, { energy: 1, duration: 10 })).toBe(0); // nothing received
  });
  it('routes /d/<d>/s/<s>/meeting', () => {
    expect(matchRoute(meetingPath('d1', 's1'))).toEqual({ name: 'meeting', dialogueId: 'd1', sessionId: 's1' });
  });
});

describe('meeting strings', () => {
  it('live in the interface catalogues', () => {
    expect(new I18n('fr').t('meeting.screen_of', { name: 'Pia' })).toBe('Écran de Pia');
    expect(new I18n('en').t('meeting.join_button')).toBe('Join the meeting with video and audio');
  });
});

describe('frame keys from the MLS group', () => {
  const epochOf = async (state: mls.ClientState) => {
    const source = new PushedKeySource();
    source.pushState(state, mls.ownLeafIndex(state));
    const epoch = source.currentEpoch()!;
    return {
      epoch: epoch.epoch,
      sender: epoch.senderIndex,
      secret: hex(await epoch.exporterSecret(EXPORTER_LABEL, EXPORTER_LENGTH)),
    };
  };

  it('every member derives the same exporter, with its own leaf as sender index; a removal rekeys', async () => {
    const log = new Log();
    const members = await Promise.all(['alice', 'bob', 'carol'].map((id) => newMember(id)));
    const [alice, bob, carol] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    for (const member of members) log.add(member);
    await log.handle(alice, await alice.onReady(null));
    await log.handle(bob, await bob.onReady({}));
    await log.handle(carol, await carol.onReady({}));
    const before = await Promise.all(members.map((m) => epochOf(m.state!)));
    expect(new Set(before.map((e) => e.secret)).size).toBe(1);
    expect(new Set(before.map((e) => e.epoch))).toEqual(new Set([2]));
    expect(before.map((e) => e.sender)).toEqual(
      members.map((m) => mls.members(m.state!).find(([, id]) => id === m.memberId)![0]),
    );
    expect(new Set(before.map((e) => e.sender)).size).toBe(3);

    await log.handle(alice, await alice.onControl({ type: 'member_removed', member_id: 'carol', by: 'facilitator' }));
    expect(carol.removed).toBe(true);
    const [a, b] = await Promise.all([alice, bob].map((m) => epochOf(m.state!)));
    expect(a!.epoch).toBe(3);
    expect(a!.secret).toBe(b!.secret);
    expect(a!.secret).not.toBe(before[0]!.secret);
    expect((await epochOf(carol.state!)).secret).not.toBe(a!.secret); // carol cannot follow
  });
});
