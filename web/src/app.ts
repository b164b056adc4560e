// The application shell: header with the language selector, client-side
// routing with the History API, the live region, and page lifecycles.
import { Api } from './api';
import type { Context } from './context';
import { CredentialStore } from './credentials';
import { h, replaceChildren } from './dom';
import { I18n, UI_LANGUAGES, type UiLanguage, matchUiLanguage, pickLanguage } from './i18n';
import { conversationPage } from './conversation/view';
import { contributePage } from './pages/consult/contribute';
import { minePage } from './pages/consult/mine';
import { moderationPage } from './pages/consult/moderation';
import { resultsPage } from './pages/consult/results';
import { dashboardPage } from './pages/dashboard/index';
import { homePage } from './pages/home';
import { invitePage } from './pages/invite';
import { lobbyPage } from './pages/lobby';
import { notFoundPage } from './pages/notFound';
import { type Route, matchRoute } from './router';

export const LANGUAGE_KEY = 'indaba.language';

/** Language names in their own language, for the selector. */
const AUTONYMS: Record<UiLanguage, string> = { en: 'English', fr: 'Français', ar: 'العربية' };

export interface AppOptions {
  window: Window;
  api?: Api;
}

export class App {
  readonly i18n: I18n;
  readonly credentials: CredentialStore;
  readonly api: Api;
  private readonly win: Window;
  private readonly doc: Document;
  private generation = 0;
  private cleanups: (() => void)[] = [];
  /** Resolves when the current page has finished its first render (for tests). */
  rendered: Promise<void> = Promise.resolve();

  constructor(options: AppOptions) {
    this.win = options.window;
    this.doc = options.window.document;
    this.api = options.api ?? new Api();
    this.credentials = new CredentialStore(this.win.localStorage);
    this.i18n = new I18n(pickLanguage([this.storedLanguage(), ...this.win.navigator.languages]));
  }

  private readonly onPopState = (): void => this.render(true);
  private readonly onClick = (event: MouseEvent): void => this.interceptLink(event);

  start(): void {
    this.win.addEventListener('popstate', this.onPopState);
    this.doc.addEventListener('click', this.onClick);
    this.render(false);
  }

  /** Leave the current page and stop listening (tests, hot reload). */
  stop(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.generation += 1;
    this.win.removeEventListener('popstate', this.onPopState);
    this.doc.removeEventListener('click', this.onClick);
  }

  navigate(path: string, options: { replace?: boolean } = {}): void {
    if (options.replace) this.win.history.replaceState(null, '', path);
    else this.win.history.pushState(null, '', path);
    this.render(true);
  }

  setLanguage(lang: UiLanguage, remember: boolean): void {
    if (remember) this.win.localStorage.setItem(LANGUAGE_KEY, lang);
    if (lang === this.i18n.lang) return;
    this.i18n.lang = lang;
    this.render(false);
  }

  private storedLanguage(): string | null {
    try {
      return this.win.localStorage.getItem(LANGUAGE_KEY);
    } catch {
      return null;
    }
  }

  private interceptLink(event: MouseEvent): void {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    const target = event.target instanceof Element ? event.target.closest('a') : null;
    if (!target || target.target || target.hasAttribute('download')) return;
    const url = new URL(target.href, this.win.location.href);
    if (url.origin !== this.win.location.origin || url.pathname.startsWith('/api/')) return;
    if (url.pathname === this.win.location.pathname && url.hash) return;
    event.preventDefault();
    this.navigate(url.pathname + url.search);
  }

  private context(generation: number): Context {
    const app = this;
    return {
      api: this.api,
      credentials: this.credentials,
      i18n: this.i18n,
      origin: this.win.location.origin,
      t: (key, params) => this.i18n.t(key, params),
      navigate: (path, options) => this.navigate(path, options),
      announce: (message) => this.announce(message),
      setTitle: (title) => {
        if (generation === app.generation) this.doc.title = `${title} — Indaba`;
      },
      suggestLanguage: (code) => {
        const match = matchUiLanguage(code);
        if (match && this.storedLanguage() === null && generation === app.generation) this.setLanguage(match, false);
      },
      isActive: () => generation === app.generation,
      onCleanup: (fn) => {
        if (generation === app.generation) this.cleanups.push(fn);
        else fn();
      },
    };
  }

  private announce(message: string): void {
    const region = this.doc.getElementById('announcer');
    if (!region) return;
    // Clear first so that the same message twice is still announced.
    region.textContent = '';
    this.win.setTimeout(() => {
      region.textContent = message;
    }, 50);
  }

  render(moveFocus: boolean): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.generation += 1;
    const generation = this.generation;
    const root = this.doc.documentElement;
    root.lang = this.i18n.lang;
    root.dir = this.i18n.dir;
    this.renderChrome();
    const main = this.doc.getElementById('main');
    if (!main) return;
    replaceChildren(main);
    const context = this.context(generation);
    const route = matchRoute(this.win.location.pathname);
    this.rendered = Promise.resolve(this.renderRoute(route, main, context)).then(() => {
      if (moveFocus && generation === this.generation) {
        const heading = main.querySelector<HTMLElement>('h1');
        (heading ?? main).focus();
      }
    });
  }

  private renderRoute(route: Route, main: HTMLElement, context: Context): void | Promise<void> {
    switch (route.name) {
      case 'home':
        return homePage(main, context);
      case 'invite':
        return invitePage(main, context, route.token);
      case 'lobby':
        return lobbyPage(main, context, route.dialogueId);
      case 'dashboard':
        return dashboardPage(main, context, route.dialogueId);
      case 'consult':
        return contributePage(main, context, route.dialogueId);
      case 'mine':
        return minePage(main, context, route.dialogueId);
      case 'moderation':
        return moderationPage(main, context, route.dialogueId);
      case 'results':
        return resultsPage(main, context, route.dialogueId);
      case 'conversation':
        return conversationPage(main, context, route.dialogueId, route.sessionId);
      case 'meeting':
        return conversationPage(main, context, route.dialogueId, route.sessionId, { meeting: true });
      case 'notFound':
        return notFoundPage(main, context);
    }
  }

  private renderChrome(): void {
    const t = this.i18n.t.bind(this.i18n);
    const skip = this.doc.getElementById('skip-link');
    if (skip) skip.textContent = t('shell.skip');
    const header = this.doc.getElementById('site-header');
    if (header) {
      const select = h(
        'select',
        { id: 'ui-language', name: 'ui-language' },
        ...UI_LANGUAGES.map((code) =>
          h('option', { value: code, lang: code, selected: code === this.i18n.lang }, AUTONYMS[code]),
        ),
      );
      select.value = this.i18n.lang;
      select.addEventListener('change', () => {
        const chosen = matchUiLanguage(select.value);
        if (!chosen) return;
        this.setLanguage(chosen, true);
        this.doc.getElementById('ui-language')?.focus();
      });
      replaceChildren(
        header,
        h('a', { href: '/', class: 'brand' }, t('shell.brand')),
        h('div', { class: 'language-switch' }, h('label', { for: 'ui-language' }, t('shell.language')), select),
      );
    }
    const footer = this.doc.getElementById('site-footer');
    if (footer) replaceChildren(footer, h('p', null, t('shell.footer')));
    const main = this.doc.getElementById('main');
    main?.setAttribute('aria-label', t('shell.main'));
  }
}
