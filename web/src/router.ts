// Client-side routes. The server answers index.html for every non-/api path.

export type Route =
  | { name: 'home' }
  | { name: 'invite'; token: string }
  | { name: 'lobby'; dialogueId: string }
  | { name: 'dashboard'; dialogueId: string }
  | { name: ConsultView; dialogueId: string }
  | { name: 'conversation'; dialogueId: string; sessionId: string }
  | { name: 'meeting'; dialogueId: string; sessionId: string }
  | { name: 'notFound' };

/** The consultation's pages under `/d/<id>/`. */
export const CONSULT_VIEWS = ['consult', 'mine', 'moderation', 'results'] as const;
export type ConsultView = (typeof CONSULT_VIEWS)[number];

function isConsultView(segment: string | undefined): segment is ConsultView {
  return (CONSULT_VIEWS as readonly (string | undefined)[]).includes(segment);
}

function decode(segment: string): string | null {
  try {
    const value = decodeURIComponent(segment);
    return value === '' ? null : value;
  } catch {
    return null;
  }
}

export function matchRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((part) => part !== '');
  if (parts.length === 0) return { name: 'home' };
  const [first, second, third] = parts;
  const value = second === undefined ? null : decode(second);
  if (first === 'i' && value !== null && parts.length === 2) return { name: 'invite', token: value };
  if (first === 'd' && value !== null) {
    if (parts.length === 2) return { name: 'lobby', dialogueId: value };
    if (parts.length === 3 && third === 'dashboard') return { name: 'dashboard', dialogueId: value };
    if (parts.length === 3 && isConsultView(third)) return { name: third, dialogueId: value };
    const session = parts[3] === undefined ? null : decode(parts[3]);
    if (parts.length === 4 && third === 's' && session !== null)
      return { name: 'conversation', dialogueId: value, sessionId: session };
    if (parts.length === 5 && third === 's' && session !== null && parts[4] === 'meeting')
      return { name: 'meeting', dialogueId: value, sessionId: session };
  }
  return { name: 'notFound' };
}

export function lobbyPath(dialogueId: string): string {
  return `/d/${encodeURIComponent(dialogueId)}`;
}

export function dashboardPath(dialogueId: string): string {
  return `/d/${encodeURIComponent(dialogueId)}/dashboard`;
}

export function conversationPath(dialogueId: string, sessionId: string): string {
  return `/d/${encodeURIComponent(dialogueId)}/s/${encodeURIComponent(sessionId)}`;
}

export function meetingPath(dialogueId: string, sessionId: string): string {
  return `${conversationPath(dialogueId, sessionId)}/meeting`;
}

export function consultPath(dialogueId: string, view: ConsultView): string {
  return `/d/${encodeURIComponent(dialogueId)}/${view}`;
}
