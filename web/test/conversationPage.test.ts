// The conversation page in jsdom, which has no IndexedDB: the page says so and
// does not join (no socket is opened, nothing is sent). Also the route and the link.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../src/api';
import { App } from '../src/app';
import { CREDENTIALS_KEY } from '../src/credentials';
import { conversationPath, matchRoute } from '../src/router';

const SHELL = `
  <a id="skip-link" href="#main"></a>
  <header id="site-header"></header>
  <main id="main" tabindex="-1"></main>
  <div id="announcer" role="status" aria-live="polite"></div>
  <footer id="site-footer"></footer>`;

let app: App | null = null;

afterEach(() => {
  app?.stop();
  app = null;
  vi.unstubAllGlobals();
});

describe('conversation route', () => {
  it('matches /d/<id>/s/<session> and builds it back', () => {
    expect(matchRoute(conversationPath('d 1', 's/2'))).toEqual({
      name: 'conversation',
      dialogueId: 'd 1',
      sessionId: 's/2',
    });
    expect(matchRoute('/d/x/s').name).toBe('notFound');
  });
});

describe('conversation page without IndexedDB', () => {
  it('says so and does not join', async () => {
    expect(typeof indexedDB).toBe('undefined');
    const sockets = vi.fn();
    vi.stubGlobal('WebSocket', sockets);
    const fetches = vi.fn(() => Promise.reject(new Error('no request expected')));
    document.body.innerHTML = SHELL;
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ d1: 'token' }));
    window.history.replaceState(null, '', '/d/d1/s/s1');
    app = new App({ window, api: new Api(fetches) });
    app.start();
    for (let i = 0; i < 10; i += 1) {
      await app.rendered;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const notice = document.getElementById('conversation-unsupported');
    expect(notice?.textContent).toContain('IndexedDB');
    expect(notice?.getAttribute('role')).toBe('alert');
    expect(document.querySelector('textarea')).toBeNull();
    expect(sockets).not.toHaveBeenCalled();
    expect(fetches).not.toHaveBeenCalled();
  });
});
