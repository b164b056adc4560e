// The conversation as this browser shows it: texts, own-message deletes and the
// disappearing-messages timer, applied in log order (docs/delivery.md).
//
// * delete: honoured only when its sender sent the target text.
// * timer: a session-wide setting carried in the group; texts that come after it in
//   the log expire `seconds` after they were sent (the sender's clock, never later
//   than our receipt); each client deletes expired texts locally. 0 turns it off.
import type { Envelope } from './envelope';
import type { SessionRecord, StoredMessage } from './storage';

export type Change =
  | { kind: 'added'; message: StoredMessage }
  | { kind: 'deleted'; id: string }
  | { kind: 'timer'; seconds: number; by: string };

export function applyEnvelope(
  record: SessionRecord,
  envelope: Envelope,
  seq: number,
  sender: string,
  now: number,
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
  }
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
