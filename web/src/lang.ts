// Language codes: the six UN languages offered by default, validation of
// BCP 47-shaped codes, and their names in the interface language.

export const UN_LANGUAGES = ['ar', 'zh', 'en', 'fr', 'ru', 'es'] as const;

const CODE_SHAPE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/** True for codes shaped like BCP 47 tags (`en`, `pt-BR`), 2–35 characters. */
export function isLanguageCode(code: string): boolean {
  return code.length >= 2 && code.length <= 35 && CODE_SHAPE.test(code);
}

/** Split a free "other codes" field (commas or spaces) into codes. */
export function parseCodes(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((code) => code.trim())
    .filter((code) => code !== '');
}

export function uniqueCodes(codes: readonly string[]): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const code of codes) {
    const key = code.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      result.push(code);
    }
  }
  return result;
}

/** The name of language `code` in `locale`, e.g. "French" or "français"; the code if unknown. */
export function languageName(code: string, locale: string): string {
  try {
    const names = new Intl.DisplayNames([locale], { type: 'language', fallback: 'code' });
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

/** "français (fr)": a name that also shows the code, for pickers. */
export function languageLabel(code: string, locale: string): string {
  const name = languageName(code, locale);
  return name.toLowerCase() === code.toLowerCase() ? code : `${name} (${code})`;
}
