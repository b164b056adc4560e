// @vitest-environment node
// Interpretation in the conversation (docs/interpretation.md): the envelopes the Python
// interpreter sends (src/indaba/interpret/envelope.py) as the browser reads them, and
// what the browser sends.
import { describe, expect, it } from 'vitest';
import { fromUtf8, utf8 } from '../src/conversation/bytes';
import { applyEnvelope } from '../src/conversation/conversation';
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../src/conversation/envelope';
import type { SessionRecord } from '../src/conversation/storage';

const NOW = 1_700_000_000_000;

function record(): SessionRecord {
  return { key: 'm/s', state: null, cursor: 0, messages: [], timerSeconds: 0 };
}

function decode(value: Record<string, unknown>): Envelope | null {
  return decodeEnvelope(utf8(JSON.stringify(value)), 'seq-1', NOW);
}

// Exactly as indaba.interpret.envelope.encode writes them.
const TRANSLATION = {
  v: 1,
  id: 'b'.repeat(24),
  ts: NOW,
  type: 'translation',
  ref: 'a'.repeat(24),
  ref_seq: 3,
  lang: 'es',
  body: 'Tenemos que proteger los océanos.',
  source_lang: 'en',
  route: ['en', 'es'],
  engine: 'apertium',
  machine_translated: true,
};

describe('interpretation envelopes', () => {
  it('reads the interpreter profile, translations and captions', () => {
    expect(
      decode({
        v: 1,
        id: 'p1',
        ts: NOW,
        type: 'profile',
        lang: 'mul',
        interpret: false,
        name: 'Interpreter — engines: apertium, run by: Test',
        interpreter: true,
        engines: ['apertium'],
      }),
    ).toEqual({
      type: 'profile',
      id: 'p1',
      ts: NOW,
      lang: 'mul',
      interpret: false,
      name: 'Interpreter — engines: apertium, run by: Test',
      interpreter: true,
      engines: ['apertium'],
    });
    expect(decode(TRANSLATION)).toEqual({
      type: 'translation',
      id: 'b'.repeat(24),
      ts: NOW,
      ref: 'a'.repeat(24),
      lang: 'es',
      body: 'Tenemos que proteger los océanos.',
      sourceLang: 'en',
      route: ['en', 'es'],
      engine: 'apertium',
    });
    const caption = decode({
      v: 1,
      id: 'c1',
      ts: NOW,
      type: 'caption',
      speaker: 'alice',
      utterance: 0,
      lang: 'es',
      body: 'agua limpia',
      final: true,
      start: 0.1,
      end: 1.2,
      route: ['en', 'es'],
      engine: 'apertium',
      machine_translated: true,
    });
    expect(caption).toMatchObject({ type: 'caption', speaker: 'alice', body: 'agua limpia', final: true });
    expect(decode({ ...TRANSLATION, route: 'en-es' })).toBeNull();
    expect(decode({ ...TRANSLATION, ref: undefined })).toBeNull();
  });

  it('text carries lang and interpret:false both ways; the profile says whether to interpret', () => {
    const text: Envelope = { type: 'text', id: 't1', ts: NOW, body: 'Hello', lang: 'en', interpret: false };
    expect(JSON.parse(fromUtf8(encodeEnvelope(text))!)).toEqual({
      v: 1,
      type: 'text',
      id: 't1',
      ts: NOW,
      body: 'Hello',
      lang: 'en',
      interpret: false,
    });
    expect(decodeEnvelope(encodeEnvelope(text), 'x', NOW)).toEqual(text);
    expect(decode({ v: 1, id: 't2', ts: NOW, type: 'text', body: 'Hi', interpret: true })).toEqual({
      type: 'text',
      id: 't2',
      ts: NOW,
      body: 'Hi',
    });
    const profile = encodeEnvelope({ type: 'profile', id: 'p', ts: NOW, lang: 'es', interpret: false, name: 'B' });
    expect(JSON.parse(fromUtf8(profile)!)).toEqual({
      v: 1,
      type: 'profile',
      id: 'p',
      ts: NOW,
      lang: 'es',
      interpret: false,
      name: 'B',
    });
  });

  it('attaches a translation into the reader language to its original, ignores others', () => {
    const state = record();
    applyEnvelope(
      state,
      { type: 'text', id: 'a'.repeat(24), ts: NOW, body: 'We must protect the oceans.' },
      3,
      'alice',
      NOW,
      'es',
    );
    const french = decode({ ...TRANSLATION, lang: 'fr', route: ['en', 'es', 'fr'], body: 'Nous devons…' })!;
    expect(applyEnvelope(state, french, 4, 'interp', NOW, 'es')).toBeNull();
    expect(state.messages[0]!.translation).toBeUndefined();
    const change = applyEnvelope(state, decode(TRANSLATION)!, 5, 'interp', NOW, 'es-MX');
    expect(change).toMatchObject({ kind: 'translated' });
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]!.body).toBe('We must protect the oceans.'); // the original stays
    expect(state.messages[0]!.translation).toEqual({
      body: 'Tenemos que proteger los océanos.',
      lang: 'es',
      route: ['en', 'es'],
      engine: 'apertium',
    });
    // unknown original, or no reading language: nothing
    expect(applyEnvelope(state, decode({ ...TRANSLATION, ref: 'zz' })!, 6, 'interp', NOW, 'es')).toBeNull();
    expect(applyEnvelope(state, decode(TRANSLATION)!, 7, 'interp', NOW, null)).toBeNull();
  });

  it('shows captions in the reader language only; profiles change nothing shown', () => {
    const state = record();
    const caption: Envelope = {
      type: 'caption',
      id: 'c',
      ts: NOW,
      speaker: 'alice',
      utterance: 1,
      lang: 'es',
      body: 'agua',
      final: true,
      route: ['en', 'es'],
      engine: 'apertium',
    };
    expect(applyEnvelope(state, caption, 1, 'interp', NOW, 'es')).toEqual({
      kind: 'caption',
      speaker: 'alice',
      body: 'agua',
      final: true,
      route: ['en', 'es'],
    });
    expect(applyEnvelope(state, { ...caption, lang: 'fr' }, 2, 'interp', NOW, 'es')).toBeNull();
    const profile: Envelope = { type: 'profile', id: 'p', ts: NOW, lang: 'es', interpret: true, name: '' };
    expect(applyEnvelope(state, profile, 3, 'bea', NOW, 'es')).toBeNull();
    expect(state.messages).toEqual([]);
  });
});
