// `/i/<token>`: preview an invite and join with a display name and a language.
// A browser that already holds a credential for the dialogue sends it and is
// resumed as the same member.
import { dialogueSummary, isCredentialRejected, loading, roleName } from '../components/common';
import { busy, clearError, errorRegion, inputField, markInvalid, showError, showMessage } from '../components/forms';
import { languagePicker } from '../components/languagePicker';
import type { Context } from '../context';
import { h, replaceChildren } from '../dom';
import { lobbyPath } from '../router';
import type { InvitePreview, Member } from '../types';

export async function invitePage(root: HTMLElement, context: Context, inviteToken: string): Promise<void> {
  context.setTitle(context.t('invite.title'));
  const status = loading(context);
  root.append(status);
  let preview: InvitePreview;
  try {
    preview = await context.api.previewInvite(inviteToken);
  } catch (error) {
    if (!context.isActive()) return;
    const errors = errorRegion('invite-error');
    replaceChildren(
      root,
      h('h1', { tabindex: -1 }, context.t('invite.unusable_heading')),
      errors,
      h('p', null, context.t('invite.unusable_help')),
      h('p', null, h('a', { href: '/' }, context.t('common.home_link'))),
    );
    showError(context, errors, error);
    context.setTitle(context.t('invite.unusable_heading'));
    return;
  }

  const { dialogue } = preview;
  let existing: Member | null = null;
  let existingToken = context.credentials.get(dialogue.id);
  if (existingToken) {
    try {
      existing = (await context.api.me(existingToken)).member;
    } catch (error) {
      if (isCredentialRejected(error)) existingToken = null;
    }
  }
  if (!context.isActive()) return;
  context.setTitle(context.t('invite.title_for', { title: dialogue.title }));

  const offer = h(
    'ul',
    { class: 'offer' },
    h('li', null, context.t('invite.role_offered', { role: roleName(context, preview.role) })),
    preview.session ? h('li', null, context.t('invite.session_offered', { topic: preview.session.topic })) : null,
  );

  const name = inputField({
    label: context.t('join.name_label'),
    name: 'display_name',
    id: 'join-name',
    maxlength: 64,
    required: true,
    autocomplete: 'nickname',
    hint: context.t('join.name_hint'),
    value: existing?.display_name ?? '',
  });
  const language = languagePicker(context, {
    label: context.t('join.language_label'),
    name: 'language',
    id: 'join-language',
    codes: dialogue.languages,
    value:
      existing?.language ??
      dialogue.languages.find((code) => code.toLowerCase().split('-')[0] === context.i18n.lang) ??
      dialogue.languages[0],
  });
  const errors = errorRegion('join-error');
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'join-heading' },
    h('p', { class: 'privacy-note' }, context.t('join.privacy')),
    existing ? h('p', { class: 'notice' }, context.t('join.resume', { name: existing.display_name })) : null,
    name.wrap,
    language.wrap,
    errors,
    h(
      'button',
      { type: 'submit', class: 'primary', id: 'join-submit' },
      existing ? context.t('join.resume_submit') : context.t('join.submit'),
    ),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errors, form);
    const displayName = name.control.value.trim();
    if (!displayName || displayName.length > 64) {
      showMessage(errors, context.t('validation.name_required'));
      markInvalid(form, 'display_name', errors.id);
      return;
    }
    const code = language.value();
    if (!code) {
      showMessage(errors, context.t('validation.language_code_invalid', { code: language.other.value.trim() }));
      markInvalid(form, 'language_other', errors.id);
      return;
    }
    void busy(form, async () => {
      try {
        const accepted = await context.api.acceptInvite(inviteToken, displayName, code, existingToken);
        context.credentials.set(accepted.dialogue.id, accepted.token);
        context.announce(context.t('join.done', { title: accepted.dialogue.title }));
        // Replace the invite page in the history: Back should not lead to a spent link.
        context.navigate(lobbyPath(accepted.dialogue.id), { replace: true });
      } catch (error) {
        showError(context, errors, error, form);
      }
    });
  });

  replaceChildren(
    root,
    h('h1', { tabindex: -1 }, context.t('invite.heading')),
    h(
      'section',
      { class: 'panel', 'aria-label': context.t('invite.preview_label') },
      dialogueSummary(context, dialogue, 'h2'),
      offer,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'join-heading' },
      h('h2', { id: 'join-heading' }, context.t('join.heading')),
      form,
    ),
  );
}
