// The "create a dialogue" form on the home page.
import {
  busy,
  checkbox,
  checkedValues,
  clearError,
  errorRegion,
  inputField,
  markInvalid,
  showError,
  showMessage,
  textareaField,
} from '../components/forms';
import { languagePicker } from '../components/languagePicker';
import type { Context } from '../context';
import { h } from '../dom';
import type { MessageKey, Params } from '../i18n';
import { UN_LANGUAGES, isLanguageCode, languageLabel, parseCodes, uniqueCodes } from '../lang';
import { dashboardPath } from '../router';
import { localInputToIso, roundUp, toLocalInputValue } from '../time';
import type { NewDialogue } from '../types';

export const MAX_PROMPTS = 10;

class Invalid extends Error {
  constructor(
    readonly key: MessageKey,
    readonly field: string,
    readonly params?: Params,
  ) {
    super(key);
  }
}

function promptEditor(context: Context): { fieldset: HTMLFieldSetElement; values(): string[] } {
  const list = h('ol', { class: 'prompt-list' });
  const add = h('button', { type: 'button', class: 'secondary' }, context.t('create.prompt_add'));
  const fieldset = h(
    'fieldset',
    null,
    h('legend', null, context.t('create.prompts_legend')),
    h('p', { class: 'hint' }, context.t('create.prompts_hint', { max: MAX_PROMPTS })),
    list,
    add,
  );

  const renumber = (): void => {
    const rows = [...list.children];
    rows.forEach((row, index) => {
      const label = row.querySelector('label');
      const remove = row.querySelector<HTMLButtonElement>('button');
      if (label) label.textContent = context.t('create.prompt_label', { n: index + 1 });
      if (remove) {
        remove.textContent = context.t('create.prompt_remove', { n: index + 1 });
        remove.disabled = rows.length <= 1;
      }
    });
    add.disabled = rows.length >= MAX_PROMPTS;
  };

  let next = 0;
  const addRow = (focus: boolean): void => {
    next += 1;
    const id = `prompt-${next}`;
    const input = h('input', { id, name: 'prompts', type: 'text', dir: 'auto', maxlength: 500, autocomplete: 'off' });
    const remove = h('button', { type: 'button', class: 'link-button' });
    const row = h('li', { class: 'prompt-row' }, h('label', { for: id }), input, remove);
    remove.addEventListener('click', () => {
      const rows = [...list.children];
      const index = rows.indexOf(row);
      row.remove();
      renumber();
      const neighbour = list.children[Math.max(0, index - 1)]?.querySelector('input');
      neighbour?.focus();
      context.announce(context.t('create.prompt_removed'));
    });
    list.append(row);
    renumber();
    if (focus) input.focus();
  };
  add.addEventListener('click', () => {
    if (list.children.length < MAX_PROMPTS) addRow(true);
  });
  addRow(false);

  return {
    fieldset,
    values: () =>
      [...list.querySelectorAll<HTMLInputElement>('input[name="prompts"]')]
        .map((input) => input.value.trim())
        .filter((value) => value !== ''),
  };
}

export function createDialogueForm(context: Context): HTMLElement {
  const lang = context.i18n.lang;
  const title = inputField({ label: context.t('create.title_label'), name: 'title', maxlength: 200, required: true });
  const description = textareaField({
    label: context.t('create.description_label'),
    name: 'description',
    maxlength: 5000,
  });
  const prompts = promptEditor(context);

  const languageChecks = UN_LANGUAGES.map((code) =>
    checkbox('languages', code, languageLabel(code, lang), code === 'en' || code === lang),
  );
  const otherLanguages = inputField({
    label: context.t('create.languages_other_label'),
    name: 'languages_other',
    hint: context.t('create.languages_other_hint'),
  });
  const languages = h(
    'fieldset',
    null,
    h('legend', null, context.t('create.languages_legend')),
    h('div', { class: 'check-grid' }, ...languageChecks),
    otherLanguages.wrap,
  );

  const start = roundUp(new Date(), 15);
  const opens = inputField({
    label: context.t('create.opens_label'),
    name: 'opens_at',
    type: 'datetime-local',
    value: toLocalInputValue(start),
    required: true,
  });
  const closes = inputField({
    label: context.t('create.closes_label'),
    name: 'closes_at',
    type: 'datetime-local',
    value: toLocalInputValue(new Date(start.getTime() + 30 * 24 * 3600 * 1000)),
    required: true,
  });
  const timeHint = h('p', { class: 'hint' }, context.t('create.time_hint'));

  const name = inputField({
    label: context.t('create.convener_name_label'),
    name: 'display_name',
    maxlength: 64,
    required: true,
    hint: context.t('join.name_hint'),
  });
  const convenerLanguage = languagePicker(context, {
    label: context.t('create.convener_language_label'),
    name: 'language',
    codes: [lang, ...UN_LANGUAGES],
    value: lang,
  });
  const you = h(
    'fieldset',
    null,
    h('legend', null, context.t('create.convener_legend')),
    name.wrap,
    convenerLanguage.wrap,
  );

  const keySlot = h('div');
  let keyInput: HTMLInputElement | null = null;
  void context.api.instance().then(
    (instance) => {
      if (!instance.creation_requires_key || !context.isActive()) return;
      const key = inputField({
        label: context.t('create.key_label'),
        name: 'creation_key',
        type: 'password',
        hint: context.t('create.key_hint'),
        required: true,
      });
      keyInput = key.control;
      keySlot.append(key.wrap);
    },
    () => undefined,
  );

  const errors = errorRegion('create-error');
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'create-heading' },
    title.wrap,
    description.wrap,
    prompts.fieldset,
    languages,
    h('div', { class: 'row' }, opens.wrap, closes.wrap),
    timeHint,
    you,
    keySlot,
    errors,
    h('button', { type: 'submit', class: 'primary' }, context.t('create.submit')),
  );

  const collect = (): NewDialogue => {
    const titleValue = title.control.value.trim();
    if (!titleValue) throw new Invalid('validation.title_required', 'title');
    const promptValues = prompts.values();
    if (promptValues.length === 0) throw new Invalid('validation.prompts_required', 'prompts');
    const extra = parseCodes(otherLanguages.control.value);
    for (const code of extra) {
      if (!isLanguageCode(code)) throw new Invalid('validation.language_code_invalid', 'languages_other', { code });
    }
    const codes = uniqueCodes([...checkedValues(languages, 'languages'), ...extra]);
    if (codes.length === 0) throw new Invalid('validation.languages_required', 'languages');
    const opensAt = localInputToIso(opens.control.value);
    if (!opensAt) throw new Invalid('validation.time_required', 'opens_at');
    const closesAt = localInputToIso(closes.control.value);
    if (!closesAt) throw new Invalid('validation.time_required', 'closes_at');
    if (Date.parse(closesAt) <= Date.parse(opensAt)) throw new Invalid('validation.closes_after_opens', 'closes_at');
    const displayName = name.control.value.trim();
    if (!displayName) throw new Invalid('validation.name_required', 'display_name');
    const language = convenerLanguage.value();
    if (!language) {
      throw new Invalid('validation.language_code_invalid', 'language_other', {
        code: convenerLanguage.other.value.trim(),
      });
    }
    return {
      title: titleValue,
      description: description.control.value.trim(),
      prompts: promptValues,
      languages: codes,
      opens_at: opensAt,
      closes_at: closesAt,
      convener: { display_name: displayName, language },
    };
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errors, form);
    let body: NewDialogue;
    try {
      body = collect();
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      showMessage(errors, context.t(error.key, error.params));
      markInvalid(form, error.field, errors.id);
      return;
    }
    void busy(form, async () => {
      try {
        const created = await context.api.createDialogue(body, keyInput?.value.trim() || undefined);
        context.credentials.set(created.dialogue.id, created.token);
        context.announce(context.t('create.done', { title: created.dialogue.title }));
        context.navigate(dashboardPath(created.dialogue.id));
      } catch (error) {
        showError(context, errors, error, form);
      }
    });
  });

  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'create-heading' },
    h('h2', { id: 'create-heading' }, context.t('create.heading')),
    h('p', null, context.t('create.intro')),
    form,
  );
}
