// What every page gets from the application shell.
import type { Api } from './api';
import type { CredentialStore } from './credentials';
import type { I18n, MessageKey, Params } from './i18n';

export interface Context {
  readonly api: Api;
  readonly credentials: CredentialStore;
  readonly i18n: I18n;
  t(key: MessageKey, params?: Params): string;
  /** Go to another page of the client (History API). */
  navigate(path: string, options?: { replace?: boolean }): void;
  /** Say something to screen readers through the polite live region. */
  announce(message: string): void;
  /** Set the document title; " — Indaba" is added. */
  setTitle(title: string): void;
  /** Use `code` as the interface language unless the person chose one. */
  suggestLanguage(code: string): void;
  /** False once the person has moved to another page: drop late results. */
  isActive(): boolean;
  /** Run `fn` when the page is left (timers, listeners). */
  onCleanup(fn: () => void): void;
  /** The server's origin, for building full invite URLs. */
  readonly origin: string;
}

export type Page = (root: HTMLElement, context: Context) => void | Promise<void>;
