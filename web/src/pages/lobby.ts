// `/d/<dialogue_id>`: the dialogue, who you are in it, and its sessions with
// capacity, schedule and a Join/Leave button. Refreshes every 5 s and on focus.
import { dialogueSummary, languageList, loading, noAccess, roleName } from '../components/common';
import { clearError, errorRegion, quoteAttr, showError, showLoadFailure } from '../components/forms';
import type { Context } from '../context';
import { h, replaceChildren } from '../dom';
import { consultPath, conversationPath, dashboardPath } from '../router';
import type { MessageKey } from '../i18n';
import { formatRange } from '../time';
import type { Me, Session } from '../types';

export const REFRESH_MS = 5000;

export type SessionAction = 'join' | 'leave' | 'full' | 'ended' | 'closed';

/** What the session's button offers: leaving is always possible, joining only while there is room and time. */
export function sessionAction(session: Session, now: number, dialogueClosed: boolean): SessionAction {
  if (session.joined) return 'leave';
  if (dialogueClosed) return 'closed';
  if (Date.parse(session.ends_at) <= now) return 'ended';
  if (session.participant_count >= session.capacity) return 'full';
  return 'join';
}

const ACTION_LABELS: Record<SessionAction, MessageKey> = {
  join: 'lobby.join',
  leave: 'lobby.leave',
  full: 'lobby.full',
  ended: 'lobby.ended',
  closed: 'dialogue.status_closed',
};

function sessionItem(
  context: Context,
  session: Session,
  dialogueClosed: boolean,
  act: (session: Session) => void,
): HTMLLIElement {
  const action = sessionAction(session, Date.now(), dialogueClosed);
  const button = h(
    'button',
    {
      type: 'button',
      class: action === 'join' ? 'primary' : 'secondary',
      'data-session-id': session.id,
      'data-action': action,
      disabled: action !== 'join' && action !== 'leave',
      'aria-describedby': `session-topic-${session.id}`,
    },
    context.t(ACTION_LABELS[action]),
  );
  button.addEventListener('click', () => act(session));
  const facts: [string, string][] = [
    [context.t('lobby.languages'), languageList(context, session.languages)],
    [
      context.t('lobby.capacity'),
      context.t('lobby.capacity_value', { count: session.participant_count, capacity: session.capacity }),
    ],
    [context.t('lobby.when'), formatRange(session.starts_at, session.ends_at, context.i18n.lang)],
    [
      context.t('lobby.facilitator'),
      session.facilitator ? session.facilitator.display_name : context.t('lobby.no_facilitator'),
    ],
  ];
  return h(
    'li',
    { class: session.joined ? 'card session joined' : 'card session', 'data-session-id': session.id },
    h('h3', { id: `session-topic-${session.id}`, dir: 'auto' }, session.topic),
    session.joined ? h('p', { class: 'badge' }, context.t('lobby.joined')) : null,
    session.joined
      ? h(
          'p',
          null,
          h(
            'a',
            { href: conversationPath(session.dialogue_id, session.id), class: 'conversation-link' },
            context.t('conversation.open'),
          ),
        )
      : null,
    h('dl', { class: 'facts' }, ...facts.flatMap(([term, value]) => [h('dt', null, term), h('dd', null, value)])),
    button,
  );
}

export async function lobbyPage(root: HTMLElement, context: Context, dialogueId: string): Promise<void> {
  const token = context.credentials.get(dialogueId);
  if (!token) {
    noAccess(context, root);
    return;
  }
  root.append(loading(context));
  let me: Me;
  let sessions: Session[];
  try {
    [me, sessions] = await Promise.all([context.api.me(token), context.api.sessions(dialogueId, token)]);
  } catch (error) {
    if (!context.isActive()) return;
    showLoadFailure(context, root, error, 'lobby.title');
    return;
  }
  if (!context.isActive()) return;
  context.suggestLanguage(me.member.language);
  if (!context.isActive()) return;
  const { member, dialogue } = me;
  context.setTitle(dialogue.title);

  const list = h('ul', { class: 'card-list sessions', 'aria-live': 'off' });
  const closed = dialogue.status === 'closed';
  const empty = h('p', { class: 'empty' }, context.t('lobby.no_sessions'));
  const errors = errorRegion('lobby-error');
  let shown = '';

  const render = (items: Session[]): void => {
    // The minute is part of the signature so that a session that has just ended shows it.
    const signature = `${Math.floor(Date.now() / 60_000)}:${JSON.stringify(items)}`;
    if (signature === shown) return;
    shown = signature;
    // Keep keyboard focus on the same session's button across refreshes.
    const active = document.activeElement;
    const focusedSession =
      active instanceof HTMLElement && list.contains(active) ? active.dataset.sessionId : undefined;
    replaceChildren(list, ...items.map((session) => sessionItem(context, session, closed, act)));
    empty.hidden = items.length > 0;
    if (focusedSession) {
      list.querySelector<HTMLButtonElement>(`button[data-session-id="${quoteAttr(focusedSession)}"]`)?.focus();
    }
  };

  const refresh = async (): Promise<void> => {
    try {
      const fresh = await context.api.sessions(dialogueId, token);
      if (context.isActive()) render(fresh);
    } catch {
      // A missed refresh is retried at the next tick; errors from actions are shown.
    }
  };

  const act = (session: Session): void => {
    clearError(errors);
    const action = session.joined
      ? context.api.leaveSession(session.id, token)
      : context.api.joinSession(session.id, token);
    action.then(
      (updated) => {
        if (!context.isActive()) return;
        context.announce(
          context.t(updated.joined ? 'lobby.joined_announce' : 'lobby.left_announce', { topic: updated.topic }),
        );
        return refresh();
      },
      (error: unknown) => {
        if (!context.isActive()) return;
        showError(context, errors, error);
        return refresh();
      },
    );
  };

  replaceChildren(
    root,
    dialogueSummary(context, dialogue, 'h1'),
    h(
      'section',
      { class: 'panel you', 'aria-labelledby': 'you-heading' },
      h('h2', { id: 'you-heading', class: 'visually-hidden' }, context.t('lobby.you_heading')),
      h(
        'p',
        { id: 'you' },
        context.t('lobby.you', { name: member.display_name, role: roleName(context, member.role) }),
      ),
      member.role !== 'participant'
        ? h('p', null, h('a', { href: dashboardPath(dialogue.id) }, context.t('lobby.dashboard_link')))
        : null,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'consult-heading' },
      h('h2', { id: 'consult-heading' }, context.t('lobby.consult_heading')),
      h('p', null, context.t('lobby.consult_intro')),
      h(
        'ul',
        { class: 'link-list' },
        h(
          'li',
          null,
          h(
            'a',
            { href: consultPath(dialogue.id, 'consult'), id: 'lobby-consult' },
            context.t('consult.nav_contribute'),
          ),
        ),
        h('li', null, h('a', { href: consultPath(dialogue.id, 'results') }, context.t('consult.nav_results'))),
        h('li', null, h('a', { href: consultPath(dialogue.id, 'mine') }, context.t('consult.nav_mine'))),
        h('li', null, h('a', { href: consultPath(dialogue.id, 'moderation') }, context.t('consult.nav_moderation'))),
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'sessions-heading' },
      h('h2', { id: 'sessions-heading' }, context.t('lobby.sessions_heading')),
      errors,
      closed ? h('p', { class: 'notice' }, context.t('lobby.closed_note')) : null,
      empty,
      list,
    ),
  );
  render(sessions);

  // Poll while the page is visible; a hidden tab catches up when it is shown again.
  const timer = window.setInterval(() => {
    if (document.visibilityState !== 'hidden') void refresh();
  }, REFRESH_MS);
  const onFocus = (): void => void refresh();
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') void refresh();
  };
  window.addEventListener('focus', onFocus);
  document.addEventListener('visibilitychange', onVisible);
  context.onCleanup(() => {
    window.clearInterval(timer);
    window.removeEventListener('focus', onFocus);
    document.removeEventListener('visibilitychange', onVisible);
  });
}
