// Form building blocks: labelled controls, an error live region, and the
// mapping of a server error's `field` onto the control it names.
import { ApiError } from '../api';
import type { Context } from '../context';
import { h, replaceChildren, uid } from '../dom';
import type { MessageKey } from '../i18n';
import { isCredentialRejected, noAccess } from './common';

/** Escape a value for use inside a double-quoted CSS attribute selector. */
export function quoteAttr(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}

export interface FieldOptions {
  label: string;
  name: string;
  id?: string;
  type?: string;
  value?: string;
  required?: boolean;
  maxlength?: number;
  min?: string | number;
  max?: string | number;
  hint?: string;
  autocomplete?: string;
  placeholder?: string;
}

export interface Field<T extends HTMLElement> {
  wrap: HTMLDivElement;
  control: T;
}

function hintFor(id: string, hint: string | undefined): HTMLParagraphElement | null {
  return hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
}

export function inputField(options: FieldOptions): Field<HTMLInputElement> {
  const id = options.id ?? uid(options.name);
  const control = h('input', {
    id,
    name: options.name,
    type: options.type ?? 'text',
    dir: (options.type ?? 'text') === 'text' ? 'auto' : undefined,
    value: options.value,
    required: options.required,
    maxlength: options.maxlength,
    min: options.min,
    max: options.max,
    autocomplete: options.autocomplete ?? 'off',
    placeholder: options.placeholder,
    'aria-describedby': options.hint ? `${id}-hint` : undefined,
  });
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, options.label), hintFor(id, options.hint), control);
  return { wrap, control };
}

export function textareaField(options: FieldOptions): Field<HTMLTextAreaElement> {
  const id = options.id ?? uid(options.name);
  const control = h('textarea', {
    id,
    name: options.name,
    required: options.required,
    maxlength: options.maxlength,
    dir: 'auto',
    rows: 3,
    'aria-describedby': options.hint ? `${id}-hint` : undefined,
  });
  control.value = options.value ?? '';
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, options.label), hintFor(id, options.hint), control);
  return { wrap, control };
}

export interface Choice {
  value: string;
  label: string;
}

export function selectField(options: FieldOptions & { choices: Choice[] }): Field<HTMLSelectElement> {
  const id = options.id ?? uid(options.name);
  const control = h(
    'select',
    { id, name: options.name, required: options.required, 'aria-describedby': options.hint ? `${id}-hint` : undefined },
    ...options.choices.map((choice) =>
      h('option', { value: choice.value, selected: choice.value === options.value }, choice.label),
    ),
  );
  if (options.value !== undefined) control.value = options.value;
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, options.label), hintFor(id, options.hint), control);
  return { wrap, control };
}

export function checkbox(name: string, value: string, label: string, checked: boolean): HTMLDivElement {
  const id = uid(`${name}-${value}`);
  return h(
    'div',
    { class: 'check' },
    h('input', { type: 'checkbox', id, name, value, checked }),
    h('label', { for: id }, label),
  );
}

/** An assertive live region for a form's errors; empty (and invisible) when all is well. */
export function errorRegion(id?: string): HTMLDivElement {
  return h('div', { class: 'form-error', role: 'alert', id: id ?? uid('error') });
}

/** The text to show for a failure, in the interface language where known. */
export function describeError(context: Context, error: unknown): { message: string; detail: string | null } {
  if (error instanceof ApiError) {
    const translated = context.i18n.tryT(`error.${error.code}`);
    if (context.i18n.lang === 'en' || translated === null) {
      return { message: error.message || translated || context.t('error.unexpected'), detail: null };
    }
    const detail = error.message && error.message !== translated ? error.message : null;
    return { message: translated, detail };
  }
  return { message: context.t('error.unexpected'), detail: null };
}

export function showError(context: Context, region: HTMLElement, error: unknown, form?: HTMLFormElement): void {
  const { message, detail } = describeError(context, error);
  region.dataset.code = error instanceof ApiError ? error.code : 'unexpected';
  replaceChildren(
    region,
    h('p', null, message),
    detail ? h('p', { class: 'error-detail' }, context.t('error.server_said', { message: detail })) : null,
  );
  if (form && error instanceof ApiError && error.field) markInvalid(form, error.field, region.id);
}

/**
 * A page's data failed to load: the no-access page when the credential was rejected,
 * otherwise the page title with the error under it.
 */
export function showLoadFailure(context: Context, root: HTMLElement, error: unknown, titleKey: MessageKey): void {
  replaceChildren(root);
  if (isCredentialRejected(error)) {
    noAccess(context, root);
    return;
  }
  const errors = errorRegion();
  root.append(h('h1', { tabindex: -1 }, context.t(titleKey)), errors);
  showError(context, errors, error);
}

export function showMessage(region: HTMLElement, message: string, code = 'invalid'): void {
  region.dataset.code = code;
  replaceChildren(region, h('p', null, message));
}

export function clearError(region: HTMLElement, form?: HTMLFormElement): void {
  delete region.dataset.code;
  replaceChildren(region);
  if (form) {
    for (const element of form.querySelectorAll('[aria-invalid]')) element.removeAttribute('aria-invalid');
  }
}

/** Flag the control a server error names (`convener.display_name` → `display_name` too) and focus it. */
export function markInvalid(form: HTMLFormElement, field: string, describedBy?: string): HTMLElement | null {
  const candidates = [field, field.split('.').pop() ?? field, field.replace(/\.\d+$/, '')];
  for (const name of candidates) {
    const control = form.querySelector<HTMLElement>(`[name="${quoteAttr(name)}"]`);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      if (describedBy) {
        const existing = control.getAttribute('aria-describedby');
        if (!existing?.split(' ').includes(describedBy)) {
          control.setAttribute('aria-describedby', existing ? `${existing} ${describedBy}` : describedBy);
        }
      }
      control.focus();
      return control;
    }
  }
  return null;
}

/** Disable the submit button while `work` runs. */
export async function busy<T>(form: HTMLFormElement, work: () => Promise<T>): Promise<T> {
  const buttons = [...form.querySelectorAll<HTMLButtonElement>('button[type="submit"]')];
  for (const button of buttons) button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

export function checkedValues(container: ParentNode, name: string): string[] {
  return [...container.querySelectorAll<HTMLInputElement>(`input[type="checkbox"][name="${quoteAttr(name)}"]`)]
    .filter((input) => input.checked)
    .map((input) => input.value);
}
