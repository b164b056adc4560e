// An in-memory stand-in for the Indaba API, enough of the contract to drive
// the pages in jsdom. It records every request so tests can check headers.
import type {
  Decision,
  Dialogue,
  Invite,
  Member,
  OpinionMapData,
  Session,
  Statement,
  Translation,
  VoteChoice,
} from '../src/types';

type StoredStatement = Omit<Statement, 'translation' | 'my_vote'> & {
  dialogue_id: string;
  author_id: string;
  translations: Translation[];
};

interface Call {
  method: string;
  path: string;
  auth: string | null;
  body: unknown;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function error(status: number, code: string, message: string, field: string | null = null): Response {
  return json(status, { error: { code, message, field } });
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
let serial = 0;
const id = (prefix: string): string => `${prefix}${++serial}`;

export class FakeServer {
  calls: Call[] = [];
  dialogues = new Map<string, Dialogue>();
  members = new Map<string, Member>();
  tokens = new Map<string, string>(); // token -> member id
  sessions = new Map<string, Session & { joinedBy: Set<string> }>();
  invites = new Map<string, Invite & { token: string }>();
  creationRequiresKey = false;
  statements: StoredStatement[] = [];
  votes = new Map<string, VoteChoice>(); // `${member}:${statement}` -> vote
  reports: { statement_id: string; reporter_id: string; reason: string }[] = [];
  decisions: (Decision & { dialogue_id: string })[] = [];
  /** What GET …/opinion-map answers (me and texts are filled in per request). */
  opinionMap: Omit<OpinionMapData, 'me' | 'statement_texts'> & { me?: OpinionMapData['me'] } = {
    participants: 0,
    votes: 0,
    statements: 0,
    groups: [],
    consensus: { agree: [], disagree: [] },
    points: [],
  };

  readonly fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const method = init.method ?? 'GET';
    const url = new URL(input, 'http://localhost');
    const headers = (init.headers ?? {}) as Record<string, string>;
    const auth = headers.Authorization ?? null;
    const body: unknown = init.body ? JSON.parse(String(init.body)) : null;
    this.calls.push({ method, path: url.pathname + url.search, auth, body });
    return this.route(method, url, auth, body as Record<string, unknown> | null, headers);
  };

  addDialogue(overrides: Partial<Dialogue> = {}): { dialogue: Dialogue; convener: Member; token: string } {
    const dialogue: Dialogue = {
      id: id('d'),
      title: 'Our cities in 2050',
      description: 'Talk about cities.',
      prompts: ['What should change?', 'What should stay?'],
      languages: ['en', 'fr', 'ar'],
      opens_at: '2026-01-01T00:00:00Z',
      closes_at: '2027-01-01T00:00:00Z',
      created_at: '2026-01-01T00:00:00Z',
      status: 'open',
      ...overrides,
    };
    this.dialogues.set(dialogue.id, dialogue);
    const { member, token } = this.addMember(dialogue.id, 'convener', 'Convener', 'en');
    return { dialogue, convener: member, token };
  }

  addMember(
    dialogueId: string,
    role: Member['role'],
    name: string,
    language: string,
  ): { member: Member; token: string } {
    const member: Member = {
      id: id('m'),
      dialogue_id: dialogueId,
      role,
      display_name: name,
      language,
      created_at: '2026-01-01T00:00:00Z',
    };
    this.members.set(member.id, member);
    const token = id('tok-');
    this.tokens.set(token, member.id);
    return { member, token };
  }

  addSession(dialogueId: string, overrides: Partial<Session> = {}): Session {
    const session = {
      id: id('s'),
      dialogue_id: dialogueId,
      topic: 'Transport',
      languages: ['en', 'fr'],
      capacity: 5,
      starts_at: new Date(Date.now() + DAY).toISOString(),
      ends_at: new Date(Date.now() + DAY + HOUR).toISOString(),
      facilitator: null,
      participant_count: 0,
      joined: false,
      ...overrides,
      joinedBy: new Set<string>(),
    };
    this.sessions.set(session.id, session);
    return this.view(session, null);
  }

  addInvite(dialogueId: string, overrides: Partial<Invite> = {}): Invite & { token: string } {
    const invite = {
      id: id('i'),
      dialogue_id: dialogueId,
      session_id: null,
      role: 'participant' as const,
      expires_at: null,
      max_uses: null,
      uses: 0,
      revoked: false,
      created_at: '2026-01-01T00:00:00Z',
      ...overrides,
      token: id('inv-'),
    };
    this.invites.set(invite.id, invite);
    return invite;
  }

  addStatement(
    dialogueId: string,
    author: Member,
    text: string,
    overrides: Partial<StoredStatement> = {},
  ): StoredStatement {
    const statement: StoredStatement = {
      id: id('st'),
      number: this.statements.filter((x) => x.dialogue_id === dialogueId).length,
      prompt_index: 0,
      original: { text, language: author.language },
      status: 'unmoderated',
      created_at: '2026-02-01T00:00:00Z',
      dialogue_id: dialogueId,
      author_id: author.id,
      translations: [],
      ...overrides,
    };
    this.statements.push(statement);
    this.votes.set(`${author.id}:${statement.id}`, 'agree');
    return statement;
  }

  private card(statement: StoredStatement, reader: Member, withTranslation = true): Statement {
    const { dialogue_id: _d, author_id: _a, translations, ...rest } = statement;
    const translation =
      withTranslation && statement.original.language !== reader.language
        ? (translations.find((t) => t.language === reader.language) ?? null)
        : null;
    return { ...rest, translation, my_vote: this.votes.get(`${reader.id}:${statement.id}`) ?? null };
  }

  private consult(method: string, url: URL, me: Member, body: Record<string, unknown> | null): Response | null {
    const path = url.pathname;
    let m: RegExpMatchArray | null;
    if (
      (m = path.match(
        /^\/api\/dialogues\/([^/]+)\/(statements|statements\/next|moderation|moderation\/log|opinion-map|export\/polis\.zip)$/,
      ))
    ) {
      const [, dialogueId, what] = m;
      if (dialogueId !== me.dialogue_id) return error(403, 'not_a_member', 'Not a member of this dialogue.');
      const visible = this.statements.filter((x) => x.dialogue_id === dialogueId && x.status !== 'hidden');
      if (what === 'statements' && method === 'POST') {
        const text = String(body?.text ?? '');
        if ([...text].length < 1 || [...text].length > 280) {
          return error(422, 'invalid', 'text must be 1 to 280 characters.', 'text');
        }
        const statement = this.addStatement(dialogueId!, me, text, {
          prompt_index: Number(body?.prompt_index ?? 0),
          original: { text, language: String(body?.language) },
        });
        return json(201, this.card(statement, me, false));
      }
      if (what === 'statements/next' && method === 'GET') {
        const prompt = url.searchParams.get('prompt_index');
        const skipped = new Set(url.searchParams.getAll('skip'));
        const open = visible.filter(
          (x) =>
            !this.votes.has(`${me.id}:${x.id}`) &&
            !skipped.has(x.id) &&
            (prompt === null || x.prompt_index === Number(prompt)),
        );
        return json(200, { statement: open[0] ? this.card(open[0], me) : null, remaining: open.length });
      }
      if (what === 'moderation' && method === 'GET') {
        if (me.role === 'participant') return error(403, 'forbidden_role', 'Participants cannot moderate.');
        const queue = this.statements
          .filter((x) => x.dialogue_id === dialogueId && x.status === (url.searchParams.get('status') ?? 'unmoderated'))
          .map((x) => {
            const reports = this.reports.filter((r) => r.statement_id === x.id);
            const reasons: Record<string, number> = {};
            for (const r of reports) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
            return { ...this.card(x, me, false), reports: reports.length, report_reasons: reasons };
          })
          .sort((a, b) => b.reports - a.reports || a.number - b.number);
        return json(200, queue);
      }
      if (what === 'moderation/log' && method === 'GET') {
        return json(
          200,
          this.decisions.filter((d) => d.dialogue_id === dialogueId).map(({ dialogue_id: _d, ...rest }) => rest),
        );
      }
      if (what === 'opinion-map' && method === 'GET') {
        const numbers = new Set<number>();
        for (const group of this.opinionMap.groups) for (const rep of group.representative) numbers.add(rep.number);
        for (const item of [...this.opinionMap.consensus.agree, ...this.opinionMap.consensus.disagree]) {
          numbers.add(item.number);
        }
        const texts: OpinionMapData['statement_texts'] = {};
        for (const x of this.statements.filter((x) => x.dialogue_id === dialogueId && numbers.has(x.number))) {
          const card = this.card(x, me);
          texts[String(x.number)] = { original: card.original, translation: card.translation };
        }
        return json(200, { me: null, ...this.opinionMap, statement_texts: texts });
      }
      if (what === 'export/polis.zip' && method === 'GET') {
        if (me.role !== 'convener') return error(403, 'forbidden_role', 'Only the convener can export.');
        return new Response(new Uint8Array([0x50, 0x4b, 0x05, 0x06]), {
          status: 200,
          headers: { 'Content-Type': 'application/zip' },
        });
      }
    }
    if ((m = path.match(/^\/api\/statements\/([^/]+)\/(vote|report|moderate|translations)$/))) {
      const statement = this.statements.find((x) => x.id === m![1] && x.dialogue_id === me.dialogue_id);
      if (!statement) return error(404, 'statement_not_found', 'No such statement in your dialogue.');
      const what = m[2];
      if (what === 'vote' && method === 'PUT') {
        if (statement.status === 'hidden')
          return error(409, 'statement_hidden', 'This statement was hidden by moderation.');
        this.votes.set(`${me.id}:${statement.id}`, body?.vote as VoteChoice);
        return json(200, this.card(statement, me, false));
      }
      if (what === 'report' && method === 'POST') {
        this.reports = this.reports.filter((r) => !(r.statement_id === statement.id && r.reporter_id === me.id));
        this.reports.push({ statement_id: statement.id, reporter_id: me.id, reason: String(body?.reason) });
        return json(201, { statement_id: statement.id, reason: body?.reason });
      }
      if (me.role === 'participant') return error(403, 'forbidden_role', 'Your role does not allow this.');
      if (what === 'moderate' && method === 'POST') {
        const action = body?.action === 'hide' ? 'hide' : 'accept';
        if (action === 'hide' && !body?.reason)
          return error(422, 'reason_required', 'Hiding a statement needs a reason.', 'reason');
        statement.status = action === 'hide' ? 'hidden' : 'accepted';
        const decision = {
          dialogue_id: me.dialogue_id,
          sequence: this.decisions.filter((d) => d.dialogue_id === me.dialogue_id).length + 1,
          statement_number: statement.number,
          action,
          reason: action === 'hide' ? String(body?.reason) : 'within_guidelines',
          actor_role: me.role,
          created_at: '2026-02-02T10:00:00Z',
        } as const;
        this.decisions.push(decision);
        const { dialogue_id: _d, ...rest } = decision;
        return json(200, rest);
      }
      if (what === 'translations' && method === 'POST') {
        const language = String(body?.language);
        if (language === statement.original.language) {
          return error(422, 'same_language', 'The statement is already in that language.', 'language');
        }
        statement.translations = statement.translations.filter((t) => t.language !== language);
        statement.translations.push({ language, text: String(body?.text), source: 'human' });
        return json(201, this.card(statement, me, false));
      }
    }
    if (path === '/api/me/contributions') {
      const mine = this.statements.filter((x) => x.author_id === me.id);
      if (method === 'GET') {
        const votes = this.statements
          .filter((x) => this.votes.has(`${me.id}:${x.id}`))
          .map((x) => ({
            statement_id: x.id,
            statement_number: x.number,
            statement_text: x.original.text,
            vote: this.votes.get(`${me.id}:${x.id}`),
            updated_at: '2026-02-01T00:00:00Z',
          }));
        const reports = this.reports
          .filter((r) => r.reporter_id === me.id)
          .map((r) => ({
            statement_number: this.statements.find((x) => x.id === r.statement_id)?.number,
            reason: r.reason,
          }));
        return json(200, {
          member: { display_name: me.display_name, language: me.language },
          statements: mine.map((x) => this.card(x, me, false)),
          votes,
          reports,
        });
      }
      if (method === 'DELETE') {
        const ownIds = new Set(mine.map((x) => x.id));
        let votes = 0;
        for (const key of [...this.votes.keys()]) {
          const [memberId, statementId] = key.split(':');
          if (memberId === me.id) votes += 1;
          if (memberId === me.id || ownIds.has(statementId!)) this.votes.delete(key);
        }
        const reports = this.reports.filter((r) => r.reporter_id === me.id).length;
        this.reports = this.reports.filter((r) => r.reporter_id !== me.id && !ownIds.has(r.statement_id));
        this.statements = this.statements.filter((x) => !ownIds.has(x.id));
        return json(200, { deleted: { statements: ownIds.size, votes, reports } });
      }
    }
    return null;
  }

  private view(session: Session & { joinedBy?: Set<string> }, memberId: string | null): Session {
    const { joinedBy, ...rest } = session;
    return {
      ...rest,
      participant_count: joinedBy ? joinedBy.size + session.participant_count : session.participant_count,
      joined: memberId !== null && (joinedBy?.has(memberId) ?? false),
    };
  }

  private whoami(auth: string | null): Member | null {
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
    const memberId = token ? this.tokens.get(token) : undefined;
    return memberId ? (this.members.get(memberId) ?? null) : null;
  }

  private route(
    method: string,
    url: URL,
    auth: string | null,
    body: Record<string, unknown> | null,
    headers: Record<string, string>,
  ): Response {
    const path = url.pathname;
    const me = this.whoami(auth);
    let m: RegExpMatchArray | null;

    if (method === 'GET' && path === '/api/instance') {
      return json(200, { name: 'test', version: '0', creation_requires_key: this.creationRequiresKey });
    }
    if (method === 'POST' && path === '/api/dialogues') {
      if (this.creationRequiresKey && headers['X-Indaba-Creation-Key'] !== 'secret') {
        return error(403, 'creation_key_required', 'Wrong creation key.', null);
      }
      const b = body as unknown as { title: string; convener: { display_name: string; language: string } } & Dialogue;
      const { dialogue, convener, token } = this.addDialogue({
        title: b.title,
        description: b.description,
        prompts: b.prompts,
        languages: b.languages,
        opens_at: b.opens_at,
        closes_at: b.closes_at,
      });
      convener.display_name = b.convener.display_name;
      convener.language = b.convener.language;
      return json(201, { dialogue, member: convener, token });
    }
    if (method === 'POST' && path === '/api/invites/preview') {
      const invite = [...this.invites.values()].find((i) => i.token === body?.token);
      if (!invite) return error(404, 'invite_not_found', 'No such invite.');
      if (invite.revoked) return error(410, 'invite_revoked', 'This invite was revoked.');
      if (invite.expires_at && Date.parse(invite.expires_at) < Date.now()) {
        return error(410, 'invite_expired', 'This invite has expired.');
      }
      const session = invite.session_id ? this.sessions.get(invite.session_id) : null;
      return json(200, {
        dialogue: this.dialogues.get(invite.dialogue_id),
        session: session ? { id: session.id, topic: session.topic } : null,
        role: invite.role,
      });
    }
    if (method === 'POST' && path === '/api/invites/accept') {
      const invite = [...this.invites.values()].find((i) => i.token === body?.token);
      if (!invite) return error(404, 'invite_not_found', 'No such invite.');
      const dialogue = this.dialogues.get(invite.dialogue_id)!;
      if (typeof body?.display_name !== 'string' || body.display_name.length > 64 || body.display_name === '') {
        return error(422, 'invalid', 'Display name must be 1 to 64 characters.', 'display_name');
      }
      if (me && me.dialogue_id === dialogue.id) {
        const token = auth!.slice(7);
        return json(200, { token, member: me, dialogue, session_id: invite.session_id });
      }
      invite.uses += 1;
      const { member, token } = this.addMember(dialogue.id, invite.role, body.display_name, String(body.language));
      if (invite.session_id) this.sessions.get(invite.session_id)?.joinedBy.add(member.id);
      return json(201, { token, member, dialogue, session_id: invite.session_id });
    }

    if (!me) return error(401, 'invalid_credential', 'Missing or invalid credential.');
    if (method === 'GET' && path === '/api/me') {
      return json(200, { member: me, dialogue: this.dialogues.get(me.dialogue_id) });
    }
    const consulted = this.consult(method, url, me, body);
    if (consulted) return consulted;
    if ((m = path.match(/^\/api\/dialogues\/([^/]+)\/(sessions|invites|members|stats)$/))) {
      const [, dialogueId, what] = m;
      if (dialogueId !== me.dialogue_id) return error(403, 'not_a_member', 'Not a member of this dialogue.');
      if (what === 'sessions' && method === 'GET') {
        return json(
          200,
          [...this.sessions.values()].filter((s) => s.dialogue_id === dialogueId).map((s) => this.view(s, me.id)),
        );
      }
      if (what === 'sessions' && method === 'POST') {
        if (me.role === 'participant') return error(403, 'forbidden_role', 'Participants cannot create sessions.');
        const b = body as Record<string, unknown>;
        const facilitator = b.facilitator_id ? this.members.get(String(b.facilitator_id)) : undefined;
        const session = this.addSession(dialogueId!, {
          topic: String(b.topic),
          languages: b.languages as string[],
          capacity: Number(b.capacity),
          starts_at: String(b.starts_at),
          ends_at: String(b.ends_at),
          facilitator: facilitator ? { id: facilitator.id, display_name: facilitator.display_name } : null,
        });
        return json(201, session);
      }
      if (what === 'members' && method === 'GET') {
        const role = url.searchParams.get('role');
        return json(
          200,
          [...this.members.values()].filter((x) => x.dialogue_id === dialogueId && (!role || x.role === role)),
        );
      }
      if (what === 'invites' && method === 'POST') {
        const b = body as Record<string, unknown>;
        const invite = this.addInvite(dialogueId!, {
          role: b.role === 'facilitator' ? 'facilitator' : 'participant',
          session_id: (b.session_id as string | undefined) ?? null,
          expires_at: (b.expires_at as string | undefined) ?? null,
          max_uses: (b.max_uses as number | undefined) ?? null,
        });
        return json(201, { ...invite, url: `/i/${invite.token}` });
      }
      if (what === 'invites' && method === 'GET') {
        return json(
          200,
          [...this.invites.values()].filter((i) => i.dialogue_id === dialogueId).map(({ token: _t, ...rest }) => rest),
        );
      }
      if (what === 'stats') {
        const members = [...this.members.values()].filter((x) => x.dialogue_id === dialogueId);
        const invites = [...this.invites.values()].filter((i) => i.dialogue_id === dialogueId);
        return json(200, {
          members: {
            convener: members.filter((x) => x.role === 'convener').length,
            facilitator: members.filter((x) => x.role === 'facilitator').length,
            participant: members.filter((x) => x.role === 'participant').length,
          },
          sessions: [...this.sessions.values()].filter((s) => s.dialogue_id === dialogueId).length,
          invites: {
            active: invites.filter((i) => !i.revoked).length,
            revoked: invites.filter((i) => i.revoked).length,
            uses: invites.reduce((n, i) => n + i.uses, 0),
          },
        });
      }
    }
    if ((m = path.match(/^\/api\/sessions\/([^/]+)\/(join|leave)$/)) && method === 'POST') {
      const session = this.sessions.get(m[1]!);
      if (!session) return error(404, 'not_found', 'No such session.');
      if (m[2] === 'join') {
        if (this.view(session, me.id).participant_count >= session.capacity) {
          return error(409, 'session_full', 'This session is full.');
        }
        session.joinedBy.add(me.id);
      } else {
        session.joinedBy.delete(me.id);
      }
      return json(200, this.view(session, me.id));
    }
    if ((m = path.match(/^\/api\/invites\/([^/]+)\/revoke$/)) && method === 'POST') {
      const invite = this.invites.get(m[1]!);
      if (!invite) return error(404, 'not_found', 'No such invite.');
      invite.revoked = true;
      const { token: _t, ...rest } = invite;
      return json(200, rest);
    }
    return error(404, 'not_found', `No route ${method} ${path}`);
  }
}
