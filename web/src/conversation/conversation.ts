// The conversation as this browser shows it: texts, own-message deletes and the
// disappearing-messages timer, applied in log order (docs/delivery.md).
//
// * delete: honoured only when its sender sent the target text.
// * timer: a session-wide setting carried in the group; texts that come after it in
//   the log expire `seconds` after they were sent (the sender's clock, never later
//   than our receipt); each client deletes expired texts locally. 0 turns it off.
// * translation (docs/interpretation.md): one into the reader's language is attached to
//   its original text (`ref`), which stays one tap away; others are ignored.
// * caption: shown as it comes when in the reader's language; not kept.
// * profile: read by the interpreter; nothing to show.
import type { Envelope } from './envelope';
import type { SessionRecord, StoredMessage } from './storage';

export type Change =
  | { kind: 'added'; message: StoredMessage }
  | { kind: 'deleted'; id: string }
  | { kind: 'timer'; seconds: number; by: string }
  | { kind: 'translated'; message: StoredMessage }
  | { kind: 'caption'; speaker: string; body: string; final: boolean; route: string[] };

export function applyEnvelope(
  record: SessionRecord,
  envelope: Envelope,
  seq: number,
  sender: string,
  now: number,
  readerLang: string | null = null,
): Change | null {
  const sentAt = Math.min(envelope.ts, now);
  switch (envelope.type) {
    case 'text': {
      if (record.messages.some((message) => message.id === envelope.id && message.sender === sender)) return null;
      const seconds = record.timerSeconds;
      const message: StoredMessage = {
        id: envelope.id,
        seq,
        sender,
        body: envelope.body,
        sentAt,
        expiresAt: seconds > 0 ? sentAt + seconds * 1000 : null,
      };
      record.messages.push(message);
      return { kind: 'added', message };
    }
    case 'delete': {
      const index = record.messages.findIndex((message) => message.id === envelope.target && message.sender === sender);
      if (index < 0) return null;
      record.messages.splice(index, 1);
      return { kind: 'deleted', id: envelope.target };
    }
    case 'timer':
      record.timerSeconds = envelope.seconds;
      return { kind: 'timer', seconds: envelope.seconds, by: sender };
    case 'translation': {
      if (readerLang === null || !sameLanguage(envelope.lang, readerLang)) return null;
      const message = record.messages.find((item) => item.id === envelope.ref);
      if (message === undefined) return null;
      message.translation = {
        body: envelope.body,
        lang: envelope.lang,
        route: envelope.route,
        engine: envelope.engine,
      };
      return { kind: 'translated', message };
    }
    case 'caption':
      if (readerLang === null || !sameLanguage(envelope.lang, readerLang)) return null;
      return {
        kind: 'caption',
        speaker: envelope.speaker,
        body: envelope.body,
        final: envelope.final,
        route: envelope.route,
      };
    case 'profile':
      return null;
  }
}

/** The same language for a reader: "pt-BR" reads "pt". */
export function sameLanguage(a: string, b: string): boolean {
  return a.split('-')[0]!.toLowerCase() === b.split('-')[0]!.toLowerCase();
}

/** Drop expired texts; returns the ids removed. */
export function expire(record: SessionRecord, now: number): string[] {
  const gone = record.messages.filter((message) => message.expiresAt !== null && message.expiresAt <= now);
  if (gone.length > 0) {
    record.messages = record.messages.filter((message) => message.expiresAt === null || message.expiresAt > now);
  }
  return gone.map((message) => message.id);
}

/** When the next text expires (for a timer), or null. */
export function nextExpiry(record: SessionRecord): number | null {
  let next: number | null = null;
  for (const message of record.messages) {
    if (message.expiresAt !== null && (next === null || message.expiresAt < next)) next = message.expiresAt;
  }
  return next;
}
