// `/d/<dialogue_id>/s/<session_id>`: the session's end-to-end encrypted conversation.
// The member list names every key holder of the MLS group (with role), the
// verification code comes from the group state, and nothing leaves this browser
// unencrypted. Without IndexedDB or WebCrypto the page says so and does not join.
import './conversation.css';
import { isCredentialRejected, loading, noAccess, roleName } from '../components/common';
import { errorRegion, showError, showMessage, clearError } from '../components/forms';
import type { Context } from '../context';
import { h, replaceChildren, uid } from '../dom';
import type { MessageKey } from '../i18n';
import type { MediaAdmission } from '../media/meeting';
import { type MountedMeeting, mountMeeting } from '../media/view';
import { conversationPath, lobbyPath, meetingPath } from '../router';
import type { Me, Role, Session } from '../types';
import { ConversationClient, type RosterEntry, type Status } from './client';
import type { Change } from './conversation';
import { MAX_TEXT } from './envelope';
import { ConversationStore, type StoredMessage } from './storage';
import { missingCapability } from './support';

export const TIMER_CHOICES = [0, 300, 3600, 86_400, 604_800] as const;

const STATUS_KEYS: Record<Status, MessageKey> = {
  connecting: 'conversation.status_connecting',
  joining: 'conversation.status_joining',
  ready: 'conversation.status_ready',
  offline: 'conversation.status_offline',
  removed: 'conversation.status_removed',
  closed: 'conversation.status_closed',
  failed: 'conversation.status_failed',
};

const TIMER_KEYS: Record<(typeof TIMER_CHOICES)[number], MessageKey> = {
  0: 'conversation.timer_off',
  300: 'conversation.timer_5m',
  3600: 'conversation.timer_1h',
  86_400: 'conversation.timer_1d',
  604_800: 'conversation.timer_1w',
};

function timerLabel(context: Context, seconds: number): string {
  const key = TIMER_KEYS[seconds as (typeof TIMER_CHOICES)[number]];
  return key ? context.t(key) : context.t('conversation.timer_seconds', { seconds });
}

function isRole(value: string | null): value is Role {
  return value === 'convener' || value === 'facilitator' || value === 'participant';
}

export interface ConversationOptions {
  /** Join the meeting at once (the route `/d/<d>/s/<s>/meeting`). */
  meeting?: boolean;
}

export async function conversationPage(
  root: HTMLElement,
  context: Context,
  dialogueId: string,
  sessionId: string,
  options: ConversationOptions = {},
): Promise<void> {
  const token = context.credentials.get(dialogueId);
  if (!token) {
    noAccess(context, root);
    return;
  }
  root.append(loading(context));
  const missing = await missingCapability();
  if (!context.isActive()) return;
  if (missing !== null) {
    replaceChildren(
      root,
      h('h1', { tabindex: -1 }, context.t('conversation.title')),
      h(
        'p',
        { class: 'notice', id: 'conversation-unsupported', role: 'alert' },
        context.t(missing === 'indexeddb' ? 'conversation.no_indexeddb' : 'conversation.no_webcrypto'),
      ),
      h('p', null, h('a', { href: lobbyPath(dialogueId) }, context.t('conversation.back'))),
    );
    return;
  }
  let me: Me;
  let sessions: Session[];
  try {
    [me, sessions] = await Promise.all([context.api.me(token), context.api.sessions(dialogueId, token)]);
  } catch (error) {
    if (!context.isActive()) return;
    replaceChildren(root);
    if (isCredentialRejected(error)) noAccess(context, root);
    else {
      const errors = errorRegion();
      root.append(h('h1', { tabindex: -1 }, context.t('conversation.title')), errors);
      showError(context, errors, error);
    }
    return;
  }
  if (!context.isActive()) return;
  context.suggestLanguage(me.member.language);
  if (!context.isActive()) return;
  const session = sessions.find((item) => item.id === sessionId);
  const back = h('p', null, h('a', { href: lobbyPath(dialogueId) }, context.t('conversation.back')));
  if (!session || !session.joined) {
    replaceChildren(
      root,
      h('h1', { tabindex: -1 }, context.t('conversation.title')),
      h('p', { class: 'notice', id: 'conversation-not-joined' }, context.t('conversation.not_joined')),
      back,
    );
    return;
  }
  context.setTitle(session.topic);
  const myId = me.member.id;
  const mayRemove = me.member.role === 'convener' || me.member.role === 'facilitator';

  const status = h('p', { id: 'conversation-status', role: 'status' }, context.t('conversation.status_connecting'));
  const errors = errorRegion('conversation-error');
  const code = h('p', { id: 'verification-code', class: 'verification-code', dir: 'ltr' }, '—');
  const memberList = h('ul', { id: 'conversation-members', class: 'conversation-members' });
  const messageList = h('ol', {
    id: 'conversation-messages',
    class: 'conversation-messages',
    'aria-live': 'polite',
    'aria-relevant': 'additions',
  });
  const empty = h('p', { class: 'empty', id: 'conversation-empty' }, context.t('conversation.empty'));
  const timerId = uid('conversation-timer');
  const timerSelect = h(
    'select',
    { id: timerId, name: 'timer', disabled: true },
    ...TIMER_CHOICES.map((seconds) => h('option', { value: String(seconds) }, timerLabel(context, seconds))),
  );
  const timerNote = h('p', { id: 'conversation-timer-note', class: 'hint' }, context.t('conversation.timer_hint'));
  const composerId = uid('conversation-text');
  const text = h('textarea', {
    id: composerId,
    name: 'text',
    rows: 3,
    maxlength: MAX_TEXT,
    dir: 'auto',
    required: true,
  });
  const sendButton = h('button', { type: 'submit', class: 'primary', disabled: true }, context.t('conversation.send'));
  const composer = h(
    'form',
    { class: 'composer', id: 'conversation-composer', novalidate: true },
    h('label', { for: composerId }, context.t('conversation.text_label')),
    text,
    sendButton,
  );

  let store: ConversationStore;
  try {
    store = await ConversationStore.open();
  } catch {
    replaceChildren(
      root,
      h('h1', { tabindex: -1 }, context.t('conversation.title')),
      h(
        'p',
        { class: 'notice', id: 'conversation-unsupported', role: 'alert' },
        context.t('conversation.no_indexeddb'),
      ),
      back,
    );
    return;
  }
  if (!context.isActive()) {
    store.close();
    return;
  }

  const renderMessage = (message: StoredMessage): HTMLLIElement => {
    const who = client.nameOf(message.sender);
    const own = message.sender === myId;
    const time = new Date(message.sentAt);
    const item = h(
      'li',
      { class: own ? 'message own' : 'message', 'data-message-id': message.id, 'data-sender': message.sender },
      h(
        'p',
        { class: 'message-meta' },
        h(
          'span',
          { class: 'message-sender', dir: 'auto' },
          own ? context.t('conversation.you') : (who.displayName ?? message.sender),
        ),
        ' ',
        h(
          'time',
          { datetime: time.toISOString() },
          time.toLocaleTimeString(context.i18n.lang, { hour: '2-digit', minute: '2-digit' }),
        ),
      ),
      h('p', { class: 'message-body', dir: 'auto', id: `message-body-${message.id}` }, message.body),
    );
    const translation = message.translation;
    if (translation !== undefined) {
      // The reader's language first; the original one tap away (docs/interpretation.md).
      const body = item.querySelector<HTMLElement>('.message-body')!;
      const label = h(
        'p',
        { class: 'message-translated hint', id: `message-translated-${message.id}` },
        context.t('conversation.machine_translated', { route: translation.route.join(' → ') }),
      );
      const toggle = h('button', {
        type: 'button',
        class: 'secondary small message-toggle',
        'aria-pressed': 'false',
        'aria-controls': `message-body-${message.id}`,
      });
      const show = (original: boolean): void => {
        body.textContent = original ? message.body : translation.body;
        body.lang = original ? '' : translation.lang;
        body.dataset.showing = original ? 'original' : 'translation';
        toggle.setAttribute('aria-pressed', String(original));
        toggle.textContent = context.t(original ? 'conversation.show_translation' : 'conversation.show_original');
        label.hidden = original;
      };
      toggle.addEventListener('click', () => show(body.dataset.showing !== 'original'));
      show(false);
      body.after(label, toggle);
    }
    if (own) {
      const remove = h(
        'button',
        { type: 'button', class: 'secondary small', 'aria-describedby': `message-body-${message.id}` },
        context.t('conversation.delete'),
      );
      remove.addEventListener('click', () => {
        clearError(errors);
        client.deleteOwn(message.id).catch((error: unknown) => showError(context, errors, error));
      });
      item.append(remove);
    }
    return item;
  };

  const renderAll = (): void => {
    const messages = client.record?.messages ?? [];
    replaceChildren(messageList, ...messages.map(renderMessage));
    empty.hidden = messages.length > 0;
  };

  // Remove items one by one: re-rendering the live list would announce it all again.
  const dropMessages = (ids: string[]): void => {
    const kept = new Set((client.record?.messages ?? []).map((message) => message.id));
    for (const item of [...messageList.querySelectorAll<HTMLLIElement>('li[data-message-id]')]) {
      const id = item.dataset.messageId ?? '';
      if (ids.includes(id) && !kept.has(id)) item.remove();
    }
    empty.hidden = messageList.childElementCount > 0;
  };

  const renderRoster = (members: RosterEntry[], verification: string | null): void => {
    code.textContent = verification ?? '—';
    replaceChildren(
      memberList,
      ...members.map((entry) => {
        const role = isRole(entry.role) ? roleName(context, entry.role) : context.t('conversation.role_unknown');
        const name = entry.memberId === myId ? context.t('conversation.you') : (entry.displayName ?? entry.memberId);
        const item = h(
          'li',
          { 'data-member-id': entry.memberId },
          h('span', { dir: 'auto', class: 'member-name' }, name),
          ' ',
          h('span', { class: 'member-role' }, role),
        );
        if (mayRemove && entry.memberId !== myId) {
          const remove = h(
            'button',
            { type: 'button', class: 'secondary small', 'data-remove': entry.memberId },
            context.t('conversation.remove', { name: entry.displayName ?? entry.memberId }),
          );
          remove.addEventListener('click', () => {
            clearError(errors);
            client.removeMember(entry.memberId).then(
              () => context.announce(context.t('conversation.removed_announce', { name })),
              (error: unknown) => showError(context, errors, error),
            );
          });
          item.append(remove);
        }
        return item;
      }),
    );
  };

  const captions = h('div', { id: 'conversation-captions', class: 'captions', 'aria-live': 'polite' });
  const captionsSection = h(
    'section',
    { class: 'captions-section', 'aria-labelledby': 'captions-heading', hidden: true },
    h('h3', { id: 'captions-heading' }, context.t('conversation.captions_heading')),
    captions,
  );
  const optOutId = uid('conversation-interpret');
  const optOut = h('input', {
    type: 'checkbox',
    id: optOutId,
    name: 'interpret_opt_out',
    'aria-describedby': 'conversation-interpret-hint',
  });
  optOut.addEventListener('change', () => {
    clearError(errors);
    client.setInterpretOptOut(optOut.checked).catch((error: unknown) => showError(context, errors, error));
  });
  const optOutField = h(
    'div',
    { class: 'checkbox interpret-opt-out' },
    optOut,
    ' ',
    h('label', { for: optOutId }, context.t('conversation.interpret_opt_out')),
    h('p', { class: 'hint', id: 'conversation-interpret-hint' }, context.t('conversation.interpret_opt_out_hint')),
  );

  const client: ConversationClient = new ConversationClient(
    store,
    token,
    myId,
    sessionId,
    {
      status(value: Status, detail?: string) {
        if (!context.isActive()) return;
        status.textContent = context.t(STATUS_KEYS[value]);
        status.dataset.status = value;
        const usable = value === 'ready';
        sendButton.disabled = !usable;
        timerSelect.disabled = !usable;
        // Out of the group: no keys for a meeting (a mounted one stops by itself).
        joinMeeting.disabled = value === 'removed' || value === 'closed';
        if (value === 'removed') {
          code.textContent = '—';
          replaceChildren(memberList);
        }
        if (detail === 'history_expired') showMessage(errors, context.t('conversation.history_expired'), detail);
        else if (detail && value !== 'closed')
          showMessage(errors, context.t('conversation.refused', { reason: detail }), detail);
      },
      change(change: Change) {
        if (!context.isActive()) return;
        if (change.kind === 'translated') {
          const item = messageList.querySelector<HTMLLIElement>(
            `li[data-message-id="${CSS.escape(change.message.id)}"]`,
          );
          item?.replaceWith(renderMessage(change.message));
        } else if (change.kind === 'caption') {
          if (!change.final) return;
          const who =
            change.speaker === myId ? context.t('conversation.you') : (client.nameOf(change.speaker).displayName ?? '');
          captions.append(
            h(
              'p',
              { class: 'caption' },
              h('span', { class: 'message-sender', dir: 'auto' }, who),
              ' ',
              h('span', { dir: 'auto' }, change.body),
            ),
          );
          while (captions.childElementCount > 5) captions.firstElementChild?.remove();
          captionsSection.hidden = false;
        } else if (change.kind === 'added') {
          messageList.append(renderMessage(change.message));
          empty.hidden = true;
        } else if (change.kind === 'deleted') {
          dropMessages([change.id]);
        } else {
          timerSelect.value = String(change.seconds);
          const who =
            change.by === myId ? context.t('conversation.you') : (client.nameOf(change.by).displayName ?? change.by);
          const note = context.t('conversation.timer_set', { name: who, value: timerLabel(context, change.seconds) });
          timerNote.textContent = note;
          context.announce(note);
        }
      },
      roster: renderRoster,
      expired(ids: string[]) {
        if (context.isActive()) dropMessages(ids);
      },
    },
    location.origin,
    me.member.language,
    me.member.display_name,
  );

  const leaveButton = h(
    'button',
    { type: 'button', class: 'secondary', 'aria-describedby': 'conversation-leave-hint' },
    context.t('conversation.leave'),
  );
  leaveButton.addEventListener('click', () => {
    clearError(errors);
    // Leaving is a removal of oneself (docs/delivery.md): the session too, then a Remove.
    client.removeMember(myId).then(
      () => context.navigate(lobbyPath(dialogueId)),
      (error: unknown) => showError(context, errors, error),
    );
  });

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errors);
    const body = text.value.trim();
    if (body === '') {
      showMessage(errors, context.t('conversation.text_required'));
      return;
    }
    text.value = '';
    client.sendText(body).catch((error: unknown) => {
      text.value = body;
      showError(context, errors, error);
    });
  });
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  timerSelect.addEventListener('change', () => {
    clearError(errors);
    client.setTimer(Number(timerSelect.value)).catch((error: unknown) => showError(context, errors, error));
  });

  // The meeting: video and audio whose frame keys come from this conversation's group
  // (the client is the meeting's MediaKeySource; docs/media.md).
  const meetingArea = h('div', { id: 'meeting', class: 'meeting' });
  const joinMeeting = h(
    'button',
    { type: 'button', id: 'meeting-join', class: 'primary', 'aria-describedby': 'meeting-intro' },
    context.t('meeting.join_button'),
  );
  let mounted: MountedMeeting | null = null;
  const showUrl = (path: string): void => {
    // The address says whether the meeting is joined (a reload rejoins), without re-rendering.
    if (context.isActive() && location.pathname !== path) history.replaceState(history.state, '', path);
  };
  const startMeeting = (): void => {
    if (mounted !== null) return;
    joinMeeting.hidden = true;
    mounted = mountMeeting(meetingArea, context, {
      keys: client,
      admit: () =>
        context.api.request<MediaAdmission>('POST', `/sessions/${encodeURIComponent(sessionId)}/media`, { token }),
      displayName: me.member.display_name,
      language: me.member.language, // the profile's reading language: its interpretation
      onLeave: () => {
        mounted = null;
        joinMeeting.hidden = false;
        joinMeeting.focus();
        context.announce(context.t('meeting.closed'));
        showUrl(conversationPath(dialogueId, sessionId));
      },
    });
    showUrl(meetingPath(dialogueId, sessionId));
  };
  joinMeeting.addEventListener('click', startMeeting);
  const meetingSection = h(
    'section',
    { class: 'panel meeting-section', 'aria-labelledby': 'meeting-heading' },
    h('h2', { id: 'meeting-heading' }, context.t('meeting.title')),
    h('p', { class: 'hint', id: 'meeting-intro' }, context.t('meeting.intro')),
    joinMeeting,
    meetingArea,
  );

  replaceChildren(
    root,
    h('h1', { tabindex: -1, dir: 'auto' }, session.topic),
    back,
    h('p', { class: 'notice e2ee-note' }, context.t('conversation.e2ee_note')),
    status,
    errors,
    meetingSection,
    h(
      'div',
      { class: 'conversation-layout' },
      h(
        'section',
        { class: 'panel conversation-main', 'aria-labelledby': 'conversation-heading' },
        h('h2', { id: 'conversation-heading' }, context.t('conversation.heading')),
        empty,
        messageList,
        captionsSection,
        composer,
        optOutField,
      ),
      h(
        'aside',
        { class: 'panel conversation-side', 'aria-label': context.t('conversation.side_label') },
        h('h2', { id: 'members-heading' }, context.t('conversation.members_heading')),
        h('p', { class: 'hint' }, context.t('conversation.members_hint')),
        memberList,
        h('h2', { id: 'verification-heading' }, context.t('conversation.verification_heading')),
        code,
        h('p', { class: 'hint' }, context.t('conversation.verification_hint')),
        h('h2', null, h('label', { for: timerId }, context.t('conversation.timer_label'))),
        timerSelect,
        timerNote,
        leaveButton,
        h('p', { class: 'hint', id: 'conversation-leave-hint' }, context.t('conversation.leave_hint')),
      ),
    ),
  );

  context.onCleanup(() => {
    mounted?.unmount();
    client.close();
    store.close();
  });
  if (options.meeting) startMeeting();
  try {
    await client.start();
  } catch (error) {
    if (context.isActive()) showError(context, errors, error);
    return;
  }
  if (!context.isActive()) return;
  renderAll();
  optOut.checked = client.interpretOptOut;
  timerSelect.value = String(client.record?.timerSeconds ?? 0);
}
