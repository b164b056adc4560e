// Interface text. Every string shown to people comes from a catalogue here;
// English is the reference: the other catalogues have exactly its keys and
// the same {placeholders} in each message (checked by test/i18n.test.ts).
import ar from './ar.json';
import en from './en.json';
import fr from './fr.json';

export type MessageKey = keyof typeof en;
export type Params = Record<string, string | number>;

export const UI_LANGUAGES = ['en', 'fr', 'ar'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

export const CATALOGUES: Record<UiLanguage, Record<string, string>> = { en, fr, ar };

const RTL_LANGUAGES = new Set(['ar', 'dv', 'fa', 'he', 'ps', 'ur', 'yi']);

export function isUiLanguage(code: string): code is UiLanguage {
  return (UI_LANGUAGES as readonly string[]).includes(code);
}

/** The interface language for a BCP 47 code: exact, then by primary subtag. */
export function matchUiLanguage(code: string | null | undefined): UiLanguage | null {
  if (!code) return null;
  const lower = code.toLowerCase();
  if (isUiLanguage(lower)) return lower;
  const primary = lower.split('-')[0] ?? '';
  return isUiLanguage(primary) ? primary : null;
}

/** The first candidate that has a catalogue, else English. */
export function pickLanguage(candidates: readonly (string | null | undefined)[]): UiLanguage {
  for (const candidate of candidates) {
    const match = matchUiLanguage(candidate);
    if (match) return match;
  }
  return 'en';
}

export function textDirection(code: string): 'rtl' | 'ltr' {
  const primary = code.toLowerCase().split('-')[0] ?? '';
  return RTL_LANGUAGES.has(primary) ? 'rtl' : 'ltr';
}

const PLACEHOLDER = /\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g;

export function interpolate(template: string, params: Params = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** The sorted, distinct placeholder names in a message. */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))].sort();
}

export class I18n {
  constructor(public lang: UiLanguage = 'en') {}

  get dir(): 'rtl' | 'ltr' {
    return textDirection(this.lang);
  }

  t(key: MessageKey, params?: Params): string {
    const template = CATALOGUES[this.lang][key] ?? en[key];
    return interpolate(template, params);
  }

  /** Look up a key built at run time (e.g. from an error code); null if absent. */
  tryT(key: string, params?: Params): string | null {
    const template = CATALOGUES[this.lang][key];
    return template === undefined ? null : interpolate(template, params);
  }
}
