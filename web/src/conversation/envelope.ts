// What travels inside MLS application data: a small versioned JSON envelope
// (docs/delivery.md, "Application messages"), the same in the Python client
// (src/indaba/client/envelope.py).
//
//   {"v":1,"type":"text","id":"…","ts":1700000000000,"body":"Hello"}
//   {"v":1,"type":"delete","id":"…","ts":…,"target":"<id of an own text>"}
//   {"v":1,"type":"timer","id":"…","ts":…,"seconds":3600}      (0 = off)
//
// Bytes that are not such an envelope but are UTF-8 are read as plain text.

import { fromUtf8, utf8 } from './bytes';

export const ENVELOPE_VERSION = 1;
export const MAX_TEXT = 4000;
export const MAX_TIMER_SECONDS = 4 * 7 * 24 * 3600;

export type Envelope =
  | { type: 'text'; id: string; ts: number; body: string }
  | { type: 'delete'; id: string; ts: number; target: string }
  | { type: 'timer'; id: string; ts: number; seconds: number };

export function newMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  return utf8(JSON.stringify({ v: ENVELOPE_VERSION, ...envelope }));
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
    return { type: 'text', id: value.id, ts, body: value.body };
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
