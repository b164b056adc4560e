// The dashboard's sessions: the list, and the form that creates one.
import { languageList } from '../../components/common';
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
} from '../../components/forms';
import { h, replaceChildren } from '../../dom';
import type { MessageKey } from '../../i18n';
import { languageLabel } from '../../lang';
import { formatRange, localInputToIso, roundUp, toLocalInputValue } from '../../time';
import type { NewSession, Session } from '../../types';
import type { DashboardState as State } from './state';

const HOUR = 3600 * 1000;

export function renderSessionList(state: State, list: HTMLUListElement): void {
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

export function createSessionForm(state: State, done: () => void): HTMLElement {
  const { context, dialogue } = state;
  const topic = inputField({
    label: context.t('sessions.topic_label'),
    name: 'topic',
    id: 'session-topic',
    maxlength: 200,
    required: true,
  });
  const languages = h(
    'fieldset',
    null,
    h('legend', null, context.t('sessions.languages_legend')),
    h(
      'div',
      { class: 'check-grid' },
      ...dialogue.languages.map((code) => checkbox('languages', code, languageLabel(code, context.i18n.lang), true)),
    ),
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
  const facilitator = facilitatorChoice(state);
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
    if (!Number.isInteger(capacityValue) || capacityValue < 2 || capacityValue > 1000)
      return fail('validation.capacity_invalid', 'capacity');
    const startsAt = localInputToIso(starts.control.value);
    if (!startsAt) return fail('validation.time_required', 'starts_at');
    const endsAt = localInputToIso(ends.control.value);
    if (!endsAt) return fail('validation.time_required', 'ends_at');
    if (Date.parse(endsAt) <= Date.parse(startsAt)) return fail('validation.ends_after_starts', 'ends_at');
    const body: NewSession = {
      topic: topicValue,
      languages: codes,
      capacity: capacityValue,
      starts_at: startsAt,
      ends_at: endsAt,
    };
    const facilitatorId = facilitator.value();
    if (facilitatorId) body.facilitator_id = facilitatorId;
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

/**
 * Who facilitates a new session. A convener picks among the dialogue's
 * facilitators (or themselves, or nobody); a facilitator always facilitates
 * the sessions they create, so they get a note instead of a choice.
 */
function facilitatorChoice(state: State): { wrap: HTMLElement; value(): string | null } {
  const { context, me } = state;
  if (me.member.role === 'facilitator') {
    return {
      wrap: h('p', { class: 'hint', id: 'session-facilitator-note' }, context.t('sessions.facilitator_self_note')),
      value: () => null,
    };
  }
  const field = selectField({
    label: context.t('sessions.facilitator_label'),
    name: 'facilitator_id',
    id: 'session-facilitator',
    value: '',
    choices: [
      { value: '', label: context.t('sessions.facilitator_none') },
      ...state.facilitators.map((f) => ({ value: f.id, label: f.display_name })),
      { value: me.member.id, label: context.t('sessions.facilitator_you', { name: me.member.display_name }) },
    ],
    hint: state.facilitators.length === 0 ? context.t('sessions.facilitator_hint') : undefined,
  });
  return { wrap: field.wrap, value: () => field.control.value || null };
}

/** Sessions an invite may be for: all of them for a convener, their own for a facilitator. */
export function invitableSessions(state: State): Session[] {
  if (state.me.member.role === 'convener') return state.sessions;
  return state.sessions.filter((session) => session.facilitator?.id === state.me.member.id);
}

export function fillSessionChoices(state: State, select: HTMLSelectElement): void {
  const current = select.value;
  const sessions = invitableSessions(state);
  replaceChildren(
    select,
    h('option', { value: '' }, state.context.t('invites.session_none')),
    ...sessions.map((session) => h('option', { value: session.id }, session.topic)),
  );
  select.value = sessions.some((s) => s.id === current) ? current : '';
}
