// The dashboard's invite links: the form that creates one (showing its URL
// once), and the list with uses and a Revoke button.
import { roleName } from '../../components/common';
import {
  busy,
  clearError,
  errorRegion,
  inputField,
  markInvalid,
  selectField,
  showError,
  showMessage,
} from '../../components/forms';
import type { Context } from '../../context';
import { h, replaceChildren } from '../../dom';
import type { MessageKey } from '../../i18n';
import { formatDateTime, localInputToIso } from '../../time';
import type { CreatedInvite, Invite, NewInvite } from '../../types';
import { fillSessionChoices } from './sessions';
import type { DashboardState as State } from './state';

export function createInviteForm(
  state: State,
  sessionSelect: { current: HTMLSelectElement | null },
  done: () => void,
): HTMLElement {
  const { context, dialogue, me } = state;
  const isConvener = me.member.role === 'convener';
  const role = selectField({
    label: context.t('invites.role_label'),
    name: 'role',
    id: 'invite-role',
    value: 'participant',
    choices: [
      { value: 'participant', label: roleName(context, 'participant') },
      ...(isConvener ? [{ value: 'facilitator', label: roleName(context, 'facilitator') }] : []),
    ],
  });
  const session = selectField({
    label: context.t('invites.session_label'),
    name: 'session_id',
    id: 'invite-session',
    choices: [],
    hint: context.t('invites.session_hint'),
  });
  fillSessionChoices(state, session.control);
  sessionSelect.current = session.control;
  const expires = inputField({
    label: context.t('invites.expires_label'),
    name: 'expires_at',
    id: 'invite-expires',
    type: 'datetime-local',
    hint: context.t('invites.expires_hint'),
  });
  const maxUses = inputField({
    label: context.t('invites.max_uses_label'),
    name: 'max_uses',
    id: 'invite-max-uses',
    type: 'number',
    min: 1,
    hint: context.t('invites.max_uses_hint'),
  });
  const errors = errorRegion('invite-error');
  const result = h('div', { class: 'invite-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'invite-form-heading' },
    role.wrap,
    session.wrap,
    h('div', { class: 'row' }, expires.wrap, maxUses.wrap),
    errors,
    h('button', { type: 'submit', class: 'primary', id: 'invite-submit' }, context.t('invites.submit')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errors, form);
    const body: NewInvite = { role: role.control.value === 'facilitator' ? 'facilitator' : 'participant' };
    if (session.control.value) body.session_id = session.control.value;
    if (expires.control.value) {
      const expiresAt = localInputToIso(expires.control.value);
      if (!expiresAt) {
        showMessage(errors, context.t('validation.time_required'));
        markInvalid(form, 'expires_at', errors.id);
        return;
      }
      body.expires_at = expiresAt;
    }
    if (maxUses.control.value) {
      const value = Number(maxUses.control.value);
      if (!Number.isInteger(value) || value < 1) {
        showMessage(errors, context.t('validation.max_uses_invalid'));
        markInvalid(form, 'max_uses', errors.id);
        return;
      }
      body.max_uses = value;
    }
    void busy(form, async () => {
      try {
        const created = await context.api.createInvite(dialogue.id, body, state.token);
        showCreatedInvite(context, result, created);
        done();
      } catch (error) {
        showError(context, errors, error, form);
      }
    });
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'invite-form-heading' },
    h('h2', { id: 'invite-form-heading' }, context.t('invites.form_heading')),
    form,
    result,
  );
}

export function inviteUrl(context: Context, invite: CreatedInvite): string {
  if (/^https?:\/\//.test(invite.url)) return invite.url;
  return new URL(invite.url, context.origin).toString();
}

function showCreatedInvite(context: Context, result: HTMLElement, invite: CreatedInvite): void {
  const url = inviteUrl(context, invite);
  const input = h('input', { id: 'invite-url', type: 'text', readonly: true, value: url, spellcheck: 'false' });
  const copy = h('button', { type: 'button', class: 'secondary', id: 'invite-copy' }, context.t('invites.copy'));
  const copied = h('span', { class: 'copied', role: 'status' });
  copy.addEventListener('click', () => {
    const confirm = (): void => {
      copied.textContent = context.t('invites.copied');
    };
    const fallback = (): void => {
      input.focus();
      input.select();
      // Older or restricted contexts: copy the selected text.
      if (document.execCommand('copy')) confirm();
      else copied.textContent = context.t('invites.copy_failed');
    };
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(url).then(confirm, fallback);
    else fallback();
  });
  replaceChildren(
    result,
    h('h3', null, context.t('invites.created_heading')),
    h('p', null, context.t('invites.created_once')),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'invite-url' }, context.t('invites.url_label')),
      h('div', { class: 'copy-row' }, input, copy),
    ),
    copied,
  );
  input.focus();
  input.select();
}

function inviteStatus(invite: Invite): 'revoked' | 'expired' | 'used_up' | 'active' {
  if (invite.revoked) return 'revoked';
  if (invite.expires_at && Date.parse(invite.expires_at) <= Date.now()) return 'expired';
  if (invite.max_uses !== null && invite.uses >= invite.max_uses) return 'used_up';
  return 'active';
}

export function renderInvites(state: State, panel: HTMLElement, invites: Invite[], changed: () => void): void {
  const { context } = state;
  const statusKeys: Record<ReturnType<typeof inviteStatus>, MessageKey> = {
    active: 'invites.status_active',
    revoked: 'invites.status_revoked',
    expired: 'invites.status_expired',
    used_up: 'invites.status_used_up',
  };
  const topics = new Map(state.sessions.map((s) => [s.id, s.topic]));
  const errors = errorRegion('invites-list-error');
  const heading = h('h2', { id: 'invites-heading' }, context.t('invites.heading'));
  if (invites.length === 0) {
    replaceChildren(panel, heading, h('p', { class: 'empty' }, context.t('invites.none')));
    return;
  }
  const columns: MessageKey[] = [
    'invites.col_created',
    'invites.col_role',
    'invites.col_session',
    'invites.col_expires',
    'invites.col_uses',
    'invites.col_status',
    'invites.col_action',
  ];
  const rows = invites.map((invite) => {
    const status = inviteStatus(invite);
    const created = formatDateTime(invite.created_at, context.i18n.lang);
    let action: HTMLElement | string = '';
    if (!invite.revoked) {
      const revoke = h(
        'button',
        { type: 'button', class: 'secondary', 'data-invite-id': invite.id },
        context.t('invites.revoke'),
        h('span', { class: 'visually-hidden' }, ` ${context.t('invites.revoke_context', { created })}`),
      );
      revoke.addEventListener('click', () => {
        clearError(errors);
        revoke.disabled = true;
        context.api.revokeInvite(invite.id, state.token).then(
          () => {
            context.announce(context.t('invites.revoked_announce'));
            changed();
          },
          (error: unknown) => {
            revoke.disabled = false;
            showError(context, errors, error);
          },
        );
      });
      action = revoke;
    }
    return h(
      'tr',
      { 'data-invite-id': invite.id, 'data-status': status },
      h('td', null, created),
      h('td', null, roleName(context, invite.role)),
      h('td', null, invite.session_id ? (topics.get(invite.session_id) ?? '—') : context.t('invites.session_none')),
      h(
        'td',
        null,
        invite.expires_at ? formatDateTime(invite.expires_at, context.i18n.lang) : context.t('invites.never'),
      ),
      h(
        'td',
        null,
        invite.max_uses === null
          ? context.t('invites.uses_unlimited', { uses: invite.uses })
          : context.t('invites.uses_limited', { uses: invite.uses, max: invite.max_uses }),
      ),
      h('td', null, context.t(statusKeys[status])),
      h('td', null, action),
    );
  });
  replaceChildren(
    panel,
    heading,
    errors,
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'invites-heading' },
      h(
        'table',
        null,
        h('caption', { class: 'visually-hidden' }, context.t('invites.heading')),
        h('thead', null, h('tr', null, ...columns.map((key) => h('th', { scope: 'col' }, context.t(key))))),
        h('tbody', null, ...rows),
      ),
    ),
  );
}
