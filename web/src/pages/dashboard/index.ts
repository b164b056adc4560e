// `/d/<dialogue_id>/dashboard`: conveners (and, for sessions and participant
// invites, facilitators) create sessions and invite links, revoke invites and
// see counts.
import { loading, noAccess, roleName } from '../../components/common';
import { errorRegion, showError, showLoadFailure } from '../../components/forms';
import type { Context } from '../../context';
import { h, replaceChildren } from '../../dom';
import type { MessageKey } from '../../i18n';
import { lobbyPath } from '../../router';
import { consultPanel } from './consult';
import type { Me, Member, Session, Stats } from '../../types';
import { createInviteForm, renderInvites } from './invites';
import { createSessionForm, fillSessionChoices, renderSessionList } from './sessions';
import type { DashboardState as State } from './state';

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
    showLoadFailure(context, root, error, 'dashboard.title');
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
    consultPanel(state),
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
        h(
          'div',
          { class: 'stat', 'data-stat': key.slice('stats.'.length) },
          h('dt', null, context.t(key)),
          h('dd', null, number.format(value)),
        ),
      ),
    ),
  );
}
