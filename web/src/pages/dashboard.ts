// `/d/<dialogue_id>/dashboard`: conveners (and, for sessions and participant
// invites, facilitators) create sessions and invite links, revoke invites and
// see counts.
import { isCredentialRejected, languageList, loading, noAccess, roleName } from '../components/common';
import {
  busy,
  checkbox,
  checkedValues,
  clearError,
  errorRegion,
  inputField,
  markInvalid,
  selectField,
  showError,
  showMessage,
} from '../components/forms';
import type { Context } from '../context';
import { h, replaceChildren } from '../dom';
import type { MessageKey } from '../i18n';
import { languageLabel } from '../lang';
import { lobbyPath } from '../router';
import { formatDateTime, formatRange, localInputToIso, roundUp, toLocalInputValue } from '../time';
import type { CreatedInvite, Dialogue, Invite, Me, Member, NewInvite, NewSession, Session, Stats } from '../types';

interface State {
  context: Context;
  token: string;
  me: Me;
  dialogue: Dialogue;
  sessions: Session[];
  facilitators: Member[];
}

const HOUR = 3600 * 1000;

export async function dashboardPage(root: HTMLElement, context: Context, dialogueId: string): Promise<void> {
  const token = context.credentials.get(dialogueId);
  if (!token) {
    noAccess(context, root);
    return;
  }
  root.append(loading(context));
  let me: Me;
  try {
    me = await context.api.me(token);
  } catch (error) {
    if (!context.isActive()) return;
    replaceChildren(root);
    if (isCredentialRejected(error)) {
      noAccess(context, root);
    } else {
      const errors = errorRegion();
      root.append(h('h1', { tabindex: -1 }, context.t('dashboard.title')), errors);
      showError(context, errors, error);
    }
    return;
  }
  if (!context.isActive()) return;
  context.suggestLanguage(me.member.language);
  if (!context.isActive()) return;
  const { dialogue, member } = me;
  context.setTitle(context.t('dashboard.title_for', { title: dialogue.title }));

  const header = h(
    'div',
    { class: 'intro' },
    h('h1', { tabindex: -1 }, context.t('dashboard.heading', { title: dialogue.title })),
    h('p', null, context.t('lobby.you', { name: member.display_name, role: roleName(context, member.role) })),
    h('p', null, h('a', { href: lobbyPath(dialogue.id) }, context.t('dashboard.lobby_link'))),
  );
  if (member.role === 'participant') {
    replaceChildren(root, header, h('p', { role: 'alert' }, context.t('dashboard.participant_denied')));
    return;
  }

  const [sessions, facilitators] = await Promise.all([
    context.api.sessions(dialogue.id, token).catch(() => [] as Session[]),
    context.api.members(dialogue.id, token, 'facilitator').catch(() => [] as Member[]),
  ]);
  if (!context.isActive()) return;
  const state: State = { context, token, me, dialogue, sessions, facilitators };
  const isConvener = member.role === 'convener';

  const statsPanel = isConvener ? h('section', { class: 'panel', 'aria-labelledby': 'stats-heading' }) : null;
  const sessionsList = h('ul', { class: 'card-list compact' });
  const invitesPanel = isConvener ? h('section', { class: 'panel', 'aria-labelledby': 'invites-heading' }) : null;
  const inviteSessionSelect = { current: null as HTMLSelectElement | null };

  const refreshStats = async (): Promise<void> => {
    if (!statsPanel) return;
    try {
      const stats = await context.api.stats(dialogue.id, token);
      if (context.isActive()) renderStats(context, statsPanel, stats);
    } catch (error) {
      const errors = errorRegion();
      replaceChildren(statsPanel, h('h2', { id: 'stats-heading' }, context.t('stats.heading')), errors);
      showError(context, errors, error);
    }
  };
  const refreshInvites = async (): Promise<void> => {
    if (!invitesPanel) return;
    try {
      const invites = await context.api.invites(dialogue.id, token);
      if (context.isActive()) renderInvites(state, invitesPanel, invites, () => void refreshAll());
    } catch (error) {
      const errors = errorRegion();
      replaceChildren(invitesPanel, h('h2', { id: 'invites-heading' }, context.t('invites.heading')), errors);
      showError(context, errors, error);
    }
  };
  const refreshSessions = async (): Promise<void> => {
    try {
      state.sessions = await context.api.sessions(dialogue.id, token);
    } catch {
      return;
    }
    if (!context.isActive()) return;
    renderSessionList(state, sessionsList);
    if (inviteSessionSelect.current) fillSessionChoices(state, inviteSessionSelect.current);
  };
  const refreshAll = async (): Promise<void> => {
    await Promise.all([refreshStats(), refreshInvites(), refreshSessions()]);
  };

  renderSessionList(state, sessionsList);
  const inviteForm = createInviteForm(state, inviteSessionSelect, () => void refreshAll());
  replaceChildren(
    root,
    header,
    statsPanel,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'sessions-admin-heading' },
      h('h2', { id: 'sessions-admin-heading' }, context.t('sessions.heading')),
      sessionsList,
      createSessionForm(state, () => void refreshAll()),
    ),
    inviteForm,
    invitesPanel,
  );
  await refreshAll();
}

function renderStats(context: Context, panel: HTMLElement, stats: Stats): void {
  const rows: [MessageKey, number][] = [
    ['stats.conveners', stats.members.convener],
    ['stats.facilitators', stats.members.facilitator],
    ['stats.participants', stats.members.participant],
    ['stats.sessions', stats.sessions],
    ['stats.invites_active', stats.invites.active],
    ['stats.invites_revoked', stats.invites.revoked],
    ['stats.invite_uses', stats.invites.uses],
  ];
  const number = new Intl.NumberFormat(context.i18n.lang);
  replaceChildren(
    panel,
    h('h2', { id: 'stats-heading' }, context.t('stats.heading')),
    h(
      'dl',
      { class: 'stats' },
      ...rows.map(([key, value]) =>
        h('div', { class: 'stat', 'data-stat': key.slice('stats.'.length) }, h('dt', null, context.t(key)), h('dd', null, number.format(value))),
      ),
    ),
  );
}

function renderSessionList(state: State, list: HTMLUListElement): void {
  const { context } = state;
  if (state.sessions.length === 0) {
    replaceChildren(list, h('li', { class: 'empty' }, context.t('lobby.no_sessions')));
    return;
  }
  replaceChildren(
    list,
    ...state.sessions.map((session) =>
      h(
        'li',
        { class: 'card', 'data-session-id': session.id },
        h('h3', { dir: 'auto' }, session.topic),
        h(
          'p',
          { class: 'meta' },
          context.t('sessions.summary', {
            when: formatRange(session.starts_at, session.ends_at, context.i18n.lang),
            languages: languageList(context, session.languages),
            count: session.participant_count,
            capacity: session.capacity,
            facilitator: session.facilitator?.display_name ?? context.t('lobby.no_facilitator'),
          }),
        ),
      ),
    ),
  );
}

function createSessionForm(state: State, done: () => void): HTMLElement {
  const { context, dialogue, me } = state;
  const topic = inputField({ label: context.t('sessions.topic_label'), name: 'topic', id: 'session-topic', maxlength: 200, required: true });
  const languages = h(
    'fieldset',
    null,
    h('legend', null, context.t('sessions.languages_legend')),
    h('div', { class: 'check-grid' }, ...dialogue.languages.map((code) => checkbox('languages', code, languageLabel(code, context.i18n.lang), true))),
  );
  const capacity = inputField({
    label: context.t('sessions.capacity_label'),
    name: 'capacity',
    id: 'session-capacity',
    type: 'number',
    value: '8',
    min: 2,
    max: 1000,
    required: true,
  });
  const earliest = Math.max(Date.now(), Date.parse(dialogue.opens_at) || 0);
  const start = roundUp(new Date(earliest), 15);
  const starts = inputField({
    label: context.t('sessions.starts_label'),
    name: 'starts_at',
    id: 'session-starts',
    type: 'datetime-local',
    value: toLocalInputValue(start),
    required: true,
  });
  const ends = inputField({
    label: context.t('sessions.ends_label'),
    name: 'ends_at',
    id: 'session-ends',
    type: 'datetime-local',
    value: toLocalInputValue(new Date(start.getTime() + HOUR)),
    required: true,
  });
  const selfIsFacilitator = state.facilitators.some((f) => f.id === me.member.id);
  const facilitator = selectField({
    label: context.t('sessions.facilitator_label'),
    name: 'facilitator_id',
    id: 'session-facilitator',
    value: selfIsFacilitator ? me.member.id : '',
    choices: [
      { value: '', label: context.t('sessions.facilitator_none') },
      ...state.facilitators.map((f) => ({ value: f.id, label: f.display_name })),
    ],
    hint: state.facilitators.length === 0 ? context.t('sessions.facilitator_hint') : undefined,
  });
  const errors = errorRegion('session-error');
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'session-form-heading' },
    topic.wrap,
    languages,
    capacity.wrap,
    h('div', { class: 'row' }, starts.wrap, ends.wrap),
    facilitator.wrap,
    errors,
    h('button', { type: 'submit', class: 'primary', id: 'session-submit' }, context.t('sessions.submit')),
  );
  const fail = (key: MessageKey, field: string): void => {
    showMessage(errors, context.t(key));
    markInvalid(form, field, errors.id);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errors, form);
    const topicValue = topic.control.value.trim();
    if (!topicValue) return fail('validation.topic_required', 'topic');
    const codes = checkedValues(languages, 'languages');
    if (codes.length === 0) return fail('validation.languages_required', 'languages');
    const capacityValue = Number(capacity.control.value);
    if (!Number.isInteger(capacityValue) || capacityValue < 2 || capacityValue > 1000) return fail('validation.capacity_invalid', 'capacity');
    const startsAt = localInputToIso(starts.control.value);
    if (!startsAt) return fail('validation.time_required', 'starts_at');
    const endsAt = localInputToIso(ends.control.value);
    if (!endsAt) return fail('validation.time_required', 'ends_at');
    if (Date.parse(endsAt) <= Date.parse(startsAt)) return fail('validation.ends_after_starts', 'ends_at');
    const body: NewSession = { topic: topicValue, languages: codes, capacity: capacityValue, starts_at: startsAt, ends_at: endsAt };
    if (facilitator.control.value) body.facilitator_id = facilitator.control.value;
    void busy(form, async () => {
      try {
        const created = await context.api.createSession(dialogue.id, body, state.token);
        context.announce(context.t('sessions.created', { topic: created.topic }));
        topic.control.value = '';
        done();
      } catch (error) {
        showError(context, errors, error, form);
      }
    });
  });
  return h(
    'div',
    { class: 'subpanel' },
    h('h3', { id: 'session-form-heading' }, context.t('sessions.form_heading')),
    form,
  );
}

function fillSessionChoices(state: State, select: HTMLSelectElement): void {
  const current = select.value;
  replaceChildren(
    select,
    h('option', { value: '' }, state.context.t('invites.session_none')),
    ...state.sessions.map((session) => h('option', { value: session.id }, session.topic)),
  );
  select.value = state.sessions.some((s) => s.id === current) ? current : '';
}

function createInviteForm(state: State, sessionSelect: { current: HTMLSelectElement | null }, done: () => void): HTMLElement {
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
    h('div', { class: 'field' }, h('label', { for: 'invite-url' }, context.t('invites.url_label')), h('div', { class: 'copy-row' }, input, copy)),
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

function renderInvites(state: State, panel: HTMLElement, invites: Invite[], changed: () => void): void {
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
      h('td', null, invite.expires_at ? formatDateTime(invite.expires_at, context.i18n.lang) : context.t('invites.never')),
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
