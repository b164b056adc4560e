// Typed client for the Indaba JSON API. One method per endpoint; errors become
// ApiError carrying the server's code, message and field.
import type {
  AcceptedInvite,
  Contributions,
  CreatedDialogue,
  CreatedInvite,
  Decision,
  Deleted,
  Dialogue,
  Health,
  Instance,
  Invite,
  InvitePreview,
  Me,
  Member,
  NewDialogue,
  NewInvite,
  NewSession,
  NewStatement,
  NextCard,
  OpinionMapData,
  QueueItem,
  ReportReason,
  HideReason,
  Role,
  Session,
  Statement,
  Stats,
  VoteChoice,
} from './types';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** A request the server refused (4xx/5xx), or one that never reached it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

interface RequestOptions {
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Build an ApiError from a failed response, whatever its body looks like. */
async function errorFrom(response: Response): Promise<ApiError> {
  let payload: unknown = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (isRecord(payload) && isRecord(payload.error)) {
    const { code, message, field } = payload.error;
    return new ApiError(
      response.status,
      typeof code === 'string' ? code : 'http_error',
      typeof message === 'string' ? message : response.statusText,
      typeof field === 'string' ? field : null,
    );
  }
  return new ApiError(response.status, 'http_error', response.statusText || `HTTP ${response.status}`);
}

export class Api {
  private readonly fetchFn: FetchLike;

  constructor(
    fetchFn?: FetchLike,
    private readonly base = '/api',
  ) {
    this.fetchFn = fetchFn ?? ((input, init) => fetch(input, init));
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await this.fetchFn(this.base + path, init);
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached.');
    }
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** A binary download (e.g. a zip) with the bearer header; errors as for JSON. */
  async download(path: string, token: string): Promise<Blob> {
    let response: Response;
    try {
      response = await this.fetchFn(this.base + path, {
        method: 'GET',
        headers: { Authorization: `Bearer ${token}` },
        credentials: 'same-origin',
      });
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached.');
    }
    if (!response.ok) throw await errorFrom(response);
    return response.blob();
  }

  health(): Promise<Health> {
    return this.request('GET', '/health');
  }

  instance(): Promise<Instance> {
    return this.request('GET', '/instance');
  }

  createDialogue(body: NewDialogue, creationKey?: string): Promise<CreatedDialogue> {
    const headers: Record<string, string> = {};
    if (creationKey) headers['X-Indaba-Creation-Key'] = creationKey;
    return this.request('POST', '/dialogues', { body, headers });
  }

  me(token: string): Promise<Me> {
    return this.request('GET', '/me', { token });
  }

  dialogue(id: string, token: string): Promise<Dialogue> {
    return this.request('GET', `/dialogues/${enc(id)}`, { token });
  }

  members(dialogueId: string, token: string, role?: Role): Promise<Member[]> {
    const query = role ? `?role=${enc(role)}` : '';
    return this.request('GET', `/dialogues/${enc(dialogueId)}/members${query}`, { token });
  }

  sessions(dialogueId: string, token: string): Promise<Session[]> {
    return this.request('GET', `/dialogues/${enc(dialogueId)}/sessions`, { token });
  }

  createSession(dialogueId: string, body: NewSession, token: string): Promise<Session> {
    return this.request('POST', `/dialogues/${enc(dialogueId)}/sessions`, { body, token });
  }

  session(id: string, token: string): Promise<Session> {
    return this.request('GET', `/sessions/${enc(id)}`, { token });
  }

  joinSession(id: string, token: string): Promise<Session> {
    return this.request('POST', `/sessions/${enc(id)}/join`, { token });
  }

  leaveSession(id: string, token: string): Promise<Session> {
    return this.request('POST', `/sessions/${enc(id)}/leave`, { token });
  }

  createInvite(dialogueId: string, body: NewInvite, token: string): Promise<CreatedInvite> {
    return this.request('POST', `/dialogues/${enc(dialogueId)}/invites`, { body, token });
  }

  invites(dialogueId: string, token: string): Promise<Invite[]> {
    return this.request('GET', `/dialogues/${enc(dialogueId)}/invites`, { token });
  }

  revokeInvite(inviteId: string, token: string): Promise<Invite> {
    return this.request('POST', `/invites/${enc(inviteId)}/revoke`, { token });
  }

  previewInvite(inviteToken: string): Promise<InvitePreview> {
    return this.request('POST', '/invites/preview', { body: { token: inviteToken } });
  }

  /** Accept an invite; with the browser's credential for that dialogue, resume it. */
  acceptInvite(
    inviteToken: string,
    displayName: string,
    language: string,
    existingToken?: string | null,
  ): Promise<AcceptedInvite> {
    return this.request('POST', '/invites/accept', {
      body: { token: inviteToken, display_name: displayName, language },
      token: existingToken ?? null,
    });
  }

  stats(dialogueId: string, token: string): Promise<Stats> {
    return this.request('GET', `/dialogues/${enc(dialogueId)}/stats`, { token });
  }

  submitStatement(dialogueId: string, body: NewStatement, token: string): Promise<Statement> {
    return this.request('POST', `/dialogues/${enc(dialogueId)}/statements`, { body, token });
  }

  /** The next card of a prompt, leaving out the statements this browser skipped. */
  nextStatement(dialogueId: string, promptIndex: number, skipped: readonly string[], token: string): Promise<NextCard> {
    const query = new URLSearchParams({ prompt_index: String(promptIndex) });
    for (const id of skipped) query.append('skip', id);
    return this.request('GET', `/dialogues/${enc(dialogueId)}/statements/next?${query.toString()}`, { token });
  }

  vote(statementId: string, vote: VoteChoice, token: string): Promise<Statement> {
    return this.request('PUT', `/statements/${enc(statementId)}/vote`, { body: { vote }, token });
  }

  report(statementId: string, reason: ReportReason, token: string): Promise<{ statement_id: string; reason: string }> {
    return this.request('POST', `/statements/${enc(statementId)}/report`, { body: { reason }, token });
  }

  addTranslation(statementId: string, language: string, text: string, token: string): Promise<Statement> {
    return this.request('POST', `/statements/${enc(statementId)}/translations`, { body: { language, text }, token });
  }

  /** Statements awaiting a decision, or (`accepted`) those already accepted. */
  moderationQueue(
    dialogueId: string,
    token: string,
    status: 'unmoderated' | 'accepted' = 'unmoderated',
  ): Promise<QueueItem[]> {
    const query = status === 'accepted' ? '?status=accepted' : '';
    return this.request('GET', `/dialogues/${enc(dialogueId)}/moderation${query}`, { token });
  }

  moderate(
    statementId: string,
    action: 'accept' | 'hide',
    reason: HideReason | null,
    token: string,
  ): Promise<Decision> {
    const body = action === 'hide' ? { action, reason } : { action };
    return this.request('POST', `/statements/${enc(statementId)}/moderate`, { body, token });
  }

  moderationLog(dialogueId: string, token: string): Promise<Decision[]> {
    return this.request('GET', `/dialogues/${enc(dialogueId)}/moderation/log`, { token });
  }

  myContributions(token: string): Promise<Contributions> {
    return this.request('GET', '/me/contributions', { token });
  }

  deleteMyContributions(token: string): Promise<Deleted> {
    return this.request('DELETE', '/me/contributions', { token });
  }

  opinionMap(dialogueId: string, token: string): Promise<OpinionMapData> {
    return this.request('GET', `/dialogues/${enc(dialogueId)}/opinion-map`, { token });
  }

  polisExport(dialogueId: string, token: string): Promise<Blob> {
    return this.download(`/dialogues/${enc(dialogueId)}/export/polis.zip`, token);
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
