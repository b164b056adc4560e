import { describe, expect, it, vi } from 'vitest';
import { Api, ApiError, type FetchLike } from '../src/api';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function recorder(response: () => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchFn: FetchLike = vi.fn(async (url: string, init?: RequestInit) => {
    calls.push({ url, init: init ?? {} });
    return response();
  });
  return { calls, fetchFn };
}

function header(init: RequestInit, name: string): string | undefined {
  return (init.headers as Record<string, string>)[name];
}

describe('Api', () => {
  it('sends the bearer token and JSON body', async () => {
    const { calls, fetchFn } = recorder(() => json(201, { id: 's1' }));
    const api = new Api(fetchFn);
    await api.createSession('d 1', { topic: 't', languages: ['en'], capacity: 3, starts_at: 'a', ends_at: 'b' }, 'tok');
    const [call] = calls;
    expect(call?.url).toBe('/api/dialogues/d%201/sessions');
    expect(call?.init.method).toBe('POST');
    expect(header(call!.init, 'Authorization')).toBe('Bearer tok');
    expect(header(call!.init, 'Content-Type')).toBe('application/json');
    expect(JSON.parse(String(call?.init.body))).toEqual({
      topic: 't',
      languages: ['en'],
      capacity: 3,
      starts_at: 'a',
      ends_at: 'b',
    });
  });

  it('sends no Authorization header without a token', async () => {
    const { calls, fetchFn } = recorder(() => json(200, { dialogue: {}, session: null, role: 'participant' }));
    await new Api(fetchFn).previewInvite('inv');
    expect(header(calls[0]!.init, 'Authorization')).toBeUndefined();
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ token: 'inv' });
  });

  it('resumes with the existing credential when accepting an invite', async () => {
    const { calls, fetchFn } = recorder(() => json(200, {}));
    await new Api(fetchFn).acceptInvite('inv', 'Ama', 'fr', 'old');
    expect(calls[0]?.url).toBe('/api/invites/accept');
    expect(header(calls[0]!.init, 'Authorization')).toBe('Bearer old');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ token: 'inv', display_name: 'Ama', language: 'fr' });
  });

  it('sends the creation key header only when given', async () => {
    const { calls, fetchFn } = recorder(() => json(201, {}));
    const api = new Api(fetchFn);
    const body = {
      title: 't',
      description: '',
      prompts: ['p'],
      languages: ['en'],
      opens_at: 'a',
      closes_at: 'b',
      convener: { display_name: 'c', language: 'en' },
    };
    await api.createDialogue(body, 'k3y');
    await api.createDialogue(body);
    expect(header(calls[0]!.init, 'X-Indaba-Creation-Key')).toBe('k3y');
    expect(header(calls[1]!.init, 'X-Indaba-Creation-Key')).toBeUndefined();
  });

  it('adds the role filter to the members query', async () => {
    const { calls, fetchFn } = recorder(() => json(200, []));
    await new Api(fetchFn).members('d', 't', 'facilitator');
    expect(calls[0]?.url).toBe('/api/dialogues/d/members?role=facilitator');
  });

  it('turns an error body into an ApiError with code, message and field', async () => {
    const { fetchFn } = recorder(() =>
      json(410, { error: { code: 'invite_expired', message: 'This invite expired.', field: null } }),
    );
    const error = await new Api(fetchFn).previewInvite('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 410, code: 'invite_expired', message: 'This invite expired.', field: null });
  });

  it('keeps the field of a validation error', async () => {
    const { fetchFn } = recorder(() =>
      json(422, { error: { code: 'invalid', message: 'Too long.', field: 'display_name' } }),
    );
    await expect(new Api(fetchFn).acceptInvite('x', 'n', 'en')).rejects.toMatchObject({ field: 'display_name' });
  });

  it('copes with an error that is not JSON', async () => {
    const { fetchFn } = recorder(() => new Response('<h1>oops</h1>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(new Api(fetchFn).health()).rejects.toMatchObject({ status: 502, code: 'http_error' });
  });

  it('reports a network failure as network_error', async () => {
    const api = new Api(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.instance()).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });
});
