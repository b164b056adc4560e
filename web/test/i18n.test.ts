import { describe, expect, it } from 'vitest';
import en from '../src/i18n/en.json';
import {
  CATALOGUES,
  I18n,
  UI_LANGUAGES,
  interpolate,
  matchUiLanguage,
  pickLanguage,
  placeholders,
  textDirection,
} from '../src/i18n';

const englishKeys = Object.keys(en).sort();

describe('catalogues', () => {
  for (const lang of UI_LANGUAGES) {
    describe(lang, () => {
      const catalogue = CATALOGUES[lang];

      it('has exactly the keys of English', () => {
        expect(Object.keys(catalogue).sort()).toEqual(englishKeys);
      });

      it('uses the same placeholders as English in every message', () => {
        const mismatched = englishKeys.filter(
          (key) => placeholders(catalogue[key] ?? '').join() !== placeholders(en[key as keyof typeof en]).join(),
        );
        expect(mismatched).toEqual([]);
      });

      it('has no empty or untrimmed message', () => {
        const bad = Object.entries(catalogue).filter(([, text]) => text.trim() === '' || text !== text.trim());
        expect(bad).toEqual([]);
      });
    });
  }

  it('has a message for each error code the API contract names', () => {
    for (const code of [
      'invite_not_found',
      'invite_expired',
      'invite_revoked',
      'invite_used_up',
      'dialogue_closed',
      'session_full',
      'network_error',
    ]) {
      expect(Object.hasOwn(en, `error.${code}`), code).toBe(true);
    }
  });

  it('translates French and Arabic rather than copying English', () => {
    const same = (lang: 'fr' | 'ar'): number =>
      englishKeys.filter((key) => CATALOGUES[lang][key] === CATALOGUES.en[key]).length;
    // A few strings are legitimately identical (brand name, "{count} / {capacity}", French "Session", "Description").
    expect(same('fr')).toBeLessThan(20);
    expect(same('ar')).toBeLessThan(4);
  });
});

describe('interpolate', () => {
  it('fills named placeholders and leaves unknown ones', () => {
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('lists distinct placeholders sorted', () => {
    expect(placeholders('{b} {a} {b}')).toEqual(['a', 'b']);
  });
});

describe('language choice', () => {
  it('matches exact codes and primary subtags', () => {
    expect(matchUiLanguage('fr-CA')).toBe('fr');
    expect(matchUiLanguage('AR')).toBe('ar');
    expect(matchUiLanguage('sw')).toBeNull();
    expect(matchUiLanguage(undefined)).toBeNull();
  });

  it('picks the first supported candidate, else English', () => {
    expect(pickLanguage([null, 'sw', 'ar-EG', 'fr'])).toBe('ar');
    expect(pickLanguage(['de'])).toBe('en');
  });

  it('knows right-to-left scripts', () => {
    expect(textDirection('ar')).toBe('rtl');
    expect(textDirection('fa-IR')).toBe('rtl');
    expect(textDirection('fr')).toBe('ltr');
    expect(new I18n('ar').dir).toBe('rtl');
  });

  it('translates with parameters and falls back for run-time keys', () => {
    const i18n = new I18n('fr');
    expect(i18n.t('lobby.you', { name: 'Ama', role: 'x' })).toBe('Vous êtes Ama, x.');
    expect(i18n.tryT('error.invite_expired')).toBe('Ce lien d’invitation a expiré.');
    expect(i18n.tryT('error.no_such_code')).toBeNull();
  });
});
