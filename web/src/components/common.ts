// Small pieces shared by pages.
import { ApiError } from '../api';
import type { Context } from '../context';
import { h } from '../dom';
import type { MessageKey } from '../i18n';
import { languageName } from '../lang';
import type { Dialogue, Role } from '../types';
import { formatRange } from '../time';

export function roleName(context: Context, role: Role): string {
  const keys: Record<Role, MessageKey> = {
    convener: 'role.convener',
    facilitator: 'role.facilitator',
    participant: 'role.participant',
  };
  return context.t(keys[role]);
}

export function statusName(context: Context, dialogue: Dialogue): string {
  const keys: Record<Dialogue['status'], MessageKey> = {
    scheduled: 'dialogue.status_scheduled',
    open: 'dialogue.status_open',
    closed: 'dialogue.status_closed',
  };
  return context.t(keys[dialogue.status]);
}

export function languageList(context: Context, codes: readonly string[]): string {
  const names = codes.map((code) => languageName(code, context.i18n.lang));
  try {
    return new Intl.ListFormat(context.i18n.lang, { style: 'short', type: 'conjunction' }).format(names);
  } catch {
    return names.join(', ');
  }
}

/** Title, description, schedule and prompts of a dialogue. */
export function dialogueSummary(context: Context, dialogue: Dialogue, headingLevel: 'h1' | 'h2'): HTMLElement {
  return h(
    'div',
    { class: 'dialogue-summary' },
    h(
      headingLevel,
      { class: 'dialogue-title', dir: 'auto', tabindex: headingLevel === 'h1' ? -1 : undefined },
      dialogue.title,
    ),
    dialogue.description ? h('p', { class: 'dialogue-description', dir: 'auto' }, dialogue.description) : null,
    h(
      'p',
      { class: 'dialogue-when' },
      context.t('dialogue.schedule', {
        status: statusName(context, dialogue),
        range: formatRange(dialogue.opens_at, dialogue.closes_at, context.i18n.lang),
      }),
    ),
    h(
      'p',
      { class: 'dialogue-languages' },
      context.t('dialogue.languages', { languages: languageList(context, dialogue.languages) }),
    ),
    dialogue.prompts.length > 0
      ? h(
          'section',
          { class: 'prompts', 'aria-label': context.t('dialogue.prompts_heading') },
          h(headingLevel === 'h1' ? 'h2' : 'h3', { class: 'subheading' }, context.t('dialogue.prompts_heading')),
          h('ol', null, ...dialogue.prompts.map((prompt) => h('li', { dir: 'auto' }, prompt))),
        )
      : null,
  );
}

export function loading(context: Context): HTMLParagraphElement {
  return h('p', { class: 'loading', role: 'status' }, context.t('common.loading'));
}

/** True when the server says this browser's credential is not (or no longer) valid. */
export function isCredentialRejected(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404);
}

/** The page shown when this browser holds no working credential for a dialogue. */
export function noAccess(context: Context, root: HTMLElement): void {
  context.setTitle(context.t('access.title'));
  root.append(
    h('h1', { tabindex: -1 }, context.t('access.title')),
    h('p', { role: 'alert' }, context.t('access.none')),
    h('p', null, h('a', { href: '/' }, context.t('common.home_link'))),
  );
}
