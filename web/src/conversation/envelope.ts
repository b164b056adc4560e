// What travels inside MLS application data: a small versioned JSON envelope
// (docs/delivery.md, "Application messages"), the same in the Python client
// (src/indaba/client/envelope.py).
//
//   {"v":1,"type":"text","id":"…","ts":1700000000000,"body":"Hello"}
//   {"v":1,"type":"delete","id":"…","ts":…,"target":"<id of an own text>"}
//   {"v":1,"type":"timer","id":"…","ts":…,"seconds":3600}      (0 = off)
//
// Interpretation (docs/interpretation.md; src/indaba/interpret/envelope.py): a text may
// carry "lang" (the writer's language) and "interpret":false (keep it out of
// interpretation); and three more types, which older clients ignore:
//   {"v":1,"type":"profile","id","ts","lang":"es","interpret":true,"name":"…"}
//   {"v":1,"type":"translation","id","ts","ref","ref_seq","lang","body","source_lang",
//    "route":["en","es"],"engine":"apertium","machine_translated":true}
//   {"v":1,"type":"caption","id","ts","speaker","utterance","lang","body","final",
//    "start","end","route","engine"}
//
// Bytes that are not such an envelope but are UTF-8 are read as plain text.

import { fromUtf8, utf8 } from './bytes';

export const ENVELOPE_VERSION = 1;
export const MAX_TEXT = 4000;
export const MAX_TIMER_SECONDS = 4 * 7 * 24 * 3600;

export type Envelope =
  | { type: 'text'; id: string; ts: number; body: string; lang?: string; interpret?: false }
  | { type: 'delete'; id: string; ts: number; target: string }
  | { type: 'timer'; id: string; ts: number; seconds: number }
  | {
      type: 'profile';
      id: string;
      ts: number;
      lang: string;
      interpret: boolean;
      name: string;
      interpreter?: boolean;
      engines?: string[];
    }
  | {
      type: 'translation';
      id: string;
      ts: number;
      ref: string;
      lang: string;
      body: string;
      sourceLang: string;
      route: string[];
      engine: string;
    }
  | {
      type: 'caption';
      id: string;
      ts: number;
      speaker: string;
      utterance: number;
      lang: string;
      body: string;
      final: boolean;
      route: string[];
      engine: string;
    };

export function newMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  if (envelope.type === 'translation') {
    const { sourceLang, ...rest } = envelope;
    return utf8(JSON.stringify({ v: ENVELOPE_VERSION, ...rest, source_lang: sourceLang, machine_translated: true }));
  }
  return utf8(JSON.stringify({ v: ENVELOPE_VERSION, ...envelope }));
}

function isLang(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(value);
}

function isRoute(value: unknown): value is string[] {
  return Array.isArray(value) && value.length >= 1 && value.length <= 8 && value.every(isLang);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 64;
}

/** The envelope in ``data``; plain UTF-8 becomes text with ``fallbackId``; else null. */
export function decodeEnvelope(data: Uint8Array, fallbackId: string, now: number): Envelope | null {
  const text = fromUtf8(data);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { v?: unknown }).v === undefined) {
    return { type: 'text', id: fallbackId, ts: now, body: text };
  }
  const value = parsed as Record<string, unknown>;
  if (value.v !== ENVELOPE_VERSION || !isId(value.id)) return null;
  const ts = typeof value.ts === 'number' && Number.isFinite(value.ts) ? value.ts : now;
  if (value.type === 'text' && typeof value.body === 'string') {
    const text: Envelope = { type: 'text', id: value.id, ts, body: value.body };
    if (isLang(value.lang)) text.lang = value.lang;
    if (value.interpret === false) text.interpret = false;
    return text;
  }
  if (value.type === 'profile' && isLang(value.lang)) {
    const profile: Envelope = {
      type: 'profile',
      id: value.id,
      ts,
      lang: value.lang,
      interpret: value.interpret !== false,
      name: typeof value.name === 'string' ? value.name : '',
    };
    if (value.interpreter === true) {
      profile.interpreter = true;
      profile.engines = Array.isArray(value.engines) ? value.engines.filter(isText) : [];
    }
    return profile;
  }
  if (
    value.type === 'translation' &&
    isId(value.ref) &&
    isLang(value.lang) &&
    typeof value.body === 'string' &&
    isLang(value.source_lang) &&
    isRoute(value.route)
  ) {
    return {
      type: 'translation',
      id: value.id,
      ts,
      ref: value.ref,
      lang: value.lang,
      body: value.body,
      sourceLang: value.source_lang,
      route: value.route,
      engine: isText(value.engine) ? value.engine : '',
    };
  }
  if (
    value.type === 'caption' &&
    typeof value.speaker === 'string' &&
    typeof value.utterance === 'number' &&
    Number.isInteger(value.utterance) &&
    isLang(value.lang) &&
    typeof value.body === 'string' &&
    isRoute(value.route)
  ) {
    return {
      type: 'caption',
      id: value.id,
      ts,
      speaker: value.speaker,
      utterance: value.utterance,
      lang: value.lang,
      body: value.body,
      final: value.final === true,
      route: value.route,
      engine: isText(value.engine) ? value.engine : '',
    };
  }
  if (value.type === 'delete' && isId(value.target)) {
    return { type: 'delete', id: value.id, ts, target: value.target };
  }
  if (
    value.type === 'timer' &&
    typeof value.seconds === 'number' &&
    Number.isInteger(value.seconds) &&
    value.seconds >= 0 &&
    value.seconds <= MAX_TIMER_SECONDS
  ) {
    return { type: 'timer', id: value.id, ts, seconds: value.seconds };
  }
  return null;
}
