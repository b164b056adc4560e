import { beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIALS_KEY, CredentialStore } from '../src/credentials';
import { isLanguageCode, languageLabel, parseCodes, uniqueCodes } from '../src/lang';
import { dashboardPath, lobbyPath, matchRoute } from '../src/router';
import { sessionAction } from '../src/pages/lobby';
import { localInputToIso, roundUp, toLocalInputValue } from '../src/time';
import type { Session } from '../src/types';

describe('matchRoute', () => {
  it('matches every page', () => {
    expect(matchRoute('/')).toEqual({ name: 'home' });
    expect(matchRoute('/i/abc_DEF-1')).toEqual({ name: 'invite', token: 'abc_DEF-1' });
    expect(matchRoute('/d/42')).toEqual({ name: 'lobby', dialogueId: '42' });
    expect(matchRoute('/d/42/')).toEqual({ name: 'lobby', dialogueId: '42' });
    expect(matchRoute('/d/42/dashboard')).toEqual({ name: 'dashboard', dialogueId: '42' });
  });

  it('refuses anything else', () => {
    for (const path of ['/i', '/i/a/b', '/d', '/d/1/other', '/x', '/d/%E0%A4%A']) {
      expect(matchRoute(path)).toEqual({ name: 'notFound' });
    }
  });

  it('round-trips ids through paths', () => {
    expect(matchRoute(lobbyPath('a b/c'))).toEqual({ name: 'lobby', dialogueId: 'a b/c' });
    expect(matchRoute(dashboardPath('x'))).toEqual({ name: 'dashboard', dialogueId: 'x' });
  });
});

describe('CredentialStore', () => {
  beforeEach(() => localStorage.clear());

  it('stores one token per dialogue as a JSON object', () => {
    const store = new CredentialStore(localStorage);
    store.set('d1', 't1');
    store.set('d2', 't2');
    store.set('d1', 't3');
    expect(JSON.parse(localStorage.getItem(CREDENTIALS_KEY) ?? '')).toEqual({ d1: 't3', d2: 't2' });
    expect(store.get('d1')).toBe('t3');
    store.remove('d1');
    expect(store.get('d1')).toBeNull();
    expect(store.all()).toEqual({ d2: 't2' });
  });

  it('survives corrupt or foreign content', () => {
    const store = new CredentialStore(localStorage);
    localStorage.setItem(CREDENTIALS_KEY, '{not json');
    expect(store.all()).toEqual({});
    localStorage.setItem(CREDENTIALS_KEY, '["a"]');
    expect(store.all()).toEqual({});
    localStorage.setItem(CREDENTIALS_KEY, '{"a": 1, "b": "", "c": "t"}');
    expect(store.all()).toEqual({ c: 't' });
  });
});

describe('time', () => {
  it('converts datetime-local values to UTC ISO 8601 and back', () => {
    const date = new Date(2026, 10, 23, 14, 5);
    const local = toLocalInputValue(date);
    expect(local).toBe('2026-11-23T14:05');
    const iso = localInputToIso(local);
    expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(new Date(iso ?? '').getTime()).toBe(date.getTime());
  });

  it('rejects malformed values', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('tomorrow')).toBeNull();
  });

  it('rounds up to a step', () => {
    expect(roundUp(new Date(Date.UTC(2026, 0, 1, 10, 1)), 15).toISOString()).toBe('2026-01-01T10:15:00.000Z');
    expect(roundUp(new Date(Date.UTC(2026, 0, 1, 10, 15)), 15).toISOString()).toBe('2026-01-01T10:15:00.000Z');
  });
});

describe('language codes', () => {
  it('accepts BCP 47 shapes of 2–35 characters', () => {
    for (const code of ['en', 'pt-BR', 'zh-Hant', 'sgn-ase', 'es-419']) expect(isLanguageCode(code), code).toBe(true);
    for (const code of ['e', 'en_US', 'en-', '-en', 'x'.repeat(36), 'en--US', 'français']) {
      expect(isLanguageCode(code), code).toBe(false);
    }
  });

  it('parses and de-duplicates a free list', () => {
    expect(uniqueCodes(parseCodes(' pt-BR, sw;SW  en '))).toEqual(['pt-BR', 'sw', 'en']);
  });

  it('names languages in the interface language', () => {
    expect(languageLabel('fr', 'en')).toBe('French (fr)');
    expect(languageLabel('fr', 'fr')).toBe('français (fr)');
  });
});

describe('sessionAction', () => {
  const base: Session = {
    id: 's',
    dialogue_id: 'd',
    topic: 't',
    languages: ['en'],
    capacity: 2,
    starts_at: '2026-01-01T10:00:00Z',
    ends_at: '2026-01-01T11:00:00Z',
    facilitator: null,
    participant_count: 0,
    joined: false,
  };
  const before = Date.parse('2026-01-01T10:30:00Z');
  const after = Date.parse('2026-01-01T11:00:00Z');

  it('offers joining while there is room and time', () => {
    expect(sessionAction(base, before, false)).toBe('join');
    expect(sessionAction({ ...base, participant_count: 2 }, before, false)).toBe('full');
    expect(sessionAction(base, after, false)).toBe('ended');
    expect(sessionAction(base, before, true)).toBe('closed');
  });

  it('always lets a member leave', () => {
    const joined = { ...base, joined: true, participant_count: 2 };
    expect(sessionAction(joined, after, true)).toBe('leave');
  });
});
