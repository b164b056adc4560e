// A language chooser: the offered languages in a <select>, plus "another
// language" which reveals a labelled field for any BCP 47-shaped code.
import type { Context } from '../context';
import { h, uid } from '../dom';
import { isLanguageCode, languageLabel, uniqueCodes } from '../lang';

const OTHER = '__other__';

export interface LanguagePicker {
  wrap: HTMLDivElement;
  select: HTMLSelectElement;
  other: HTMLInputElement;
  /** The chosen code, or null when "another language" holds no valid code. */
  value(): string | null;
}

export function languagePicker(
  context: Context,
  options: { label: string; name: string; codes: readonly string[]; value?: string; id?: string },
): LanguagePicker {
  const id = options.id ?? uid(options.name);
  const codes = uniqueCodes(options.codes);
  const initial = options.value ?? codes[0] ?? '';
  const known = codes.some((code) => code.toLowerCase() === initial.toLowerCase());
  const select = h(
    'select',
    { id, name: options.name },
    ...codes.map((code) => h('option', { value: code }, languageLabel(code, context.i18n.lang))),
    h('option', { value: OTHER }, context.t('language.other_option')),
  );
  const otherId = `${id}-other`;
  const other = h('input', {
    id: otherId,
    name: `${options.name}_other`,
    type: 'text',
    maxlength: 35,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': `${otherId}-hint`,
  });
  const otherWrap = h(
    'div',
    { class: 'field field-nested' },
    h('label', { for: otherId }, context.t('language.other_label')),
    h('p', { class: 'hint', id: `${otherId}-hint` }, context.t('language.other_hint')),
    other,
  );
  if (known || initial === '') {
    select.value = codes.find((code) => code.toLowerCase() === initial.toLowerCase()) ?? codes[0] ?? OTHER;
  } else {
    select.value = OTHER;
    other.value = initial;
  }
  const sync = (): void => {
    otherWrap.hidden = select.value !== OTHER;
    other.required = select.value === OTHER;
  };
  select.addEventListener('change', sync);
  sync();
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, options.label), select, otherWrap);
  return {
    wrap,
    select,
    other,
    value(): string | null {
      if (select.value !== OTHER) return select.value;
      const code = other.value.trim();
      return isLanguageCode(code) ? code : null;
    },
  };
}
