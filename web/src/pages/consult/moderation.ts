// `/d/<id>/moderation`: for facilitators and conveners, the queue of
// statements awaiting a decision (most reported first) with Accept, Hide with
// a reason from the fixed list, and "add a translation"; for every member,
// the public log of decisions. There is no keyword filter anywhere.
import { roleName } from '../../components/common';
import {
  busy,
  clearError,
  errorRegion,
  selectField,
  showError,
  showMessage,
  textareaField,
} from '../../components/forms';
import { languagePicker } from '../../components/languagePicker';
import type { Context } from '../../context';
import { h, replaceChildren } from '../../dom';
import { languageName, uniqueCodes } from '../../lang';
import { formatDateTime } from '../../time';
import type { Decision, HideReason, Me, QueueItem, ReportReason } from '../../types';
import { HIDE_REASONS, consultNav, loadMember, reasonName, textElement } from './shared';

export async function moderationPage(root: HTMLElement, context: Context, dialogueId: string): Promise<void> {
  const loaded = await loadMember(root, context, dialogueId, 'moderation.title');
  if (!loaded) return;
  const { token, me } = loaded;
  context.setTitle(context.t('moderation.title_for', { title: me.dialogue.title }));
  const moderator = me.member.role !== 'participant';
  const queueErrors = errorRegion('queue-error');
  const queueList = h('ul', { class: 'card-list queue' });
  const queueEmpty = h('p', { class: 'empty', hidden: true }, context.t('moderation.queue_empty'));
  const acceptedList = h('ul', { class: 'card-list queue accepted' });
  const acceptedEmpty = h('p', { class: 'empty', hidden: true }, context.t('moderation.accepted_empty'));
  const logErrors = errorRegion('log-error');
  const logBody = h('div', { class: 'log-body' });

  const refreshLog = async (): Promise<void> => {
    try {
      const log = await context.api.moderationLog(dialogueId, token);
      if (context.isActive()) replaceChildren(logBody, logTable(context, log));
    } catch (error) {
      if (context.isActive()) showError(context, logErrors, error);
    }
  };
  const refreshQueue = async (): Promise<void> => {
    if (!moderator) return;
    try {
      const [queue, accepted] = await Promise.all([
        context.api.moderationQueue(dialogueId, token),
        context.api.moderationQueue(dialogueId, token, 'accepted'),
      ]);
      if (!context.isActive()) return;
      replaceChildren(queueList, ...queue.map((item) => queueItem(context, me, token, item, queueErrors, decided)));
      queueEmpty.hidden = queue.length > 0;
      replaceChildren(
        acceptedList,
        ...accepted.map((item) => queueItem(context, me, token, item, queueErrors, decided)),
      );
      acceptedEmpty.hidden = accepted.length > 0;
    } catch (error) {
      if (context.isActive()) showError(context, queueErrors, error);
    }
  };
  const decided = (): void => {
    void Promise.all([refreshQueue(), refreshLog()]);
  };

  replaceChildren(
    root,
    h(
      'div',
      { class: 'intro' },
      h('h1', { tabindex: -1 }, context.t('moderation.heading')),
      h('p', null, context.t('moderation.intro')),
    ),
    consultNav(context, me, 'moderation'),
    moderator
      ? h(
          'section',
          { class: 'panel', 'aria-labelledby': 'queue-heading' },
          h('h2', { id: 'queue-heading' }, context.t('moderation.queue_heading')),
          h('p', { class: 'hint' }, context.t('moderation.queue_hint')),
          queueErrors,
          queueEmpty,
          queueList,
        )
      : null,
    moderator
      ? h(
          'section',
          { class: 'panel', 'aria-labelledby': 'accepted-heading' },
          h('h2', { id: 'accepted-heading' }, context.t('moderation.accepted_heading')),
          h('p', { class: 'hint' }, context.t('moderation.accepted_hint')),
          acceptedEmpty,
          acceptedList,
        )
      : null,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'log-heading' },
      h('h2', { id: 'log-heading' }, context.t('moderation.log_heading')),
      h('p', { class: 'hint' }, context.t('moderation.log_hint')),
      logErrors,
      logBody,
    ),
  );
  await Promise.all([refreshQueue(), refreshLog()]);
}

function reportSummary(context: Context, item: QueueItem): string {
  if (item.reports === 0) return context.t('moderation.no_reports');
  const reasons = Object.entries(item.report_reasons)
    .map(([reason, count]) =>
      context.t('moderation.reason_count', { reason: reasonName(context, reason as ReportReason), count: count ?? 0 }),
    )
    .join(', ');
  return context.t('moderation.reports', { count: item.reports, reasons });
}

function queueItem(
  context: Context,
  me: Me,
  token: string,
  item: QueueItem,
  errors: HTMLElement,
  decided: () => void,
): HTMLLIElement {
  const prefix = `queue-${item.id}`;
  const headingId = `${prefix}-heading`;
  const accept = h(
    'button',
    { type: 'button', class: 'secondary', 'data-action': 'accept', 'aria-describedby': headingId },
    context.t('moderation.accept'),
  );
  const reason = selectField({
    label: context.t('moderation.hide_reason', { number: item.number }),
    name: 'reason',
    id: `${prefix}-reason`,
    choices: HIDE_REASONS.map((value) => ({ value, label: reasonName(context, value) })),
  });
  const hideForm = h(
    'form',
    {
      class: 'hide-form row',
      novalidate: true,
      'aria-label': context.t('moderation.hide_form', { number: item.number }),
    },
    reason.wrap,
    h('button', { type: 'submit', class: 'danger', 'data-action': 'hide' }, context.t('moderation.hide')),
  );
  const decide = (action: 'accept' | 'hide', reasonValue: HideReason | null, form?: HTMLFormElement): void => {
    clearError(errors);
    const work = async (): Promise<void> => {
      try {
        await context.api.moderate(item.id, action, reasonValue, token);
        if (!context.isActive()) return;
        context.announce(
          context.t(action === 'accept' ? 'moderation.accepted_announce' : 'moderation.hidden_announce', {
            number: item.number,
          }),
        );
        decided();
      } catch (error) {
        showError(context, errors, error);
      }
    };
    if (form) void busy(form, work);
    else {
      accept.disabled = true;
      void work().finally(() => {
        accept.disabled = false;
      });
    }
  };
  accept.addEventListener('click', () => decide('accept', null));
  hideForm.addEventListener('submit', (event) => {
    event.preventDefault();
    decide('hide', reason.control.value as HideReason, hideForm);
  });
  return h(
    'li',
    { class: 'card queue-item', 'data-statement-id': item.id, 'data-number': item.number },
    h('h3', { id: headingId, class: 'card-title' }, context.t('moderation.statement_number', { number: item.number })),
    textElement('blockquote', item.original),
    h(
      'p',
      { class: 'hint' },
      languageName(item.original.language, context.i18n.lang),
      ' · ',
      reportSummary(context, item),
    ),
    h('div', { class: 'row decide' }, item.status === 'accepted' ? null : accept, hideForm),
    translationForm(context, me, token, item),
  );
}

function translationForm(context: Context, me: Me, token: string, item: QueueItem): HTMLElement {
  const prefix = `translate-${item.id}`;
  const codes = uniqueCodes(me.dialogue.languages.filter((code) => code !== item.original.language));
  const toggle = h(
    'button',
    { type: 'button', class: 'link-button', 'aria-expanded': 'false', 'aria-controls': `${prefix}-form` },
    context.t('translate.open', { number: item.number }),
  );
  const language = languagePicker(context, {
    label: context.t('translate.language_label'),
    name: 'language',
    id: `${prefix}-language`,
    codes,
  });
  const text = textareaField({
    label: context.t('translate.text_label'),
    name: 'text',
    id: `${prefix}-text`,
    maxlength: 280,
    required: true,
  });
  const errors = errorRegion(`${prefix}-error`);
  const done = h('p', { class: 'done', role: 'status' });
  const form = h(
    'form',
    { class: 'stack translate-form', id: `${prefix}-form`, hidden: true, novalidate: true },
    h('p', { class: 'hint' }, context.t('translate.hint')),
    language.wrap,
    text.wrap,
    errors,
    h('button', { type: 'submit', class: 'secondary' }, context.t('translate.submit')),
  );
  toggle.addEventListener('click', () => {
    const open = form.hidden;
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) language.select.focus();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errors, form);
    done.textContent = '';
    const code = language.value();
    const value = text.control.value.trim();
    if (!code) {
      showMessage(errors, context.t('validation.language_code_invalid', { code: language.other.value.trim() }));
      language.other.setAttribute('aria-invalid', 'true');
      language.other.focus();
      return;
    }
    if (value === '') {
      showMessage(errors, context.t('statement.length_invalid', { max: 280 }));
      text.control.setAttribute('aria-invalid', 'true');
      text.control.focus();
      return;
    }
    void busy(form, async () => {
      try {
        await context.api.addTranslation(item.id, code, value, token);
        if (!context.isActive()) return;
        text.control.value = '';
        done.textContent = context.t('translate.done', { language: languageName(code, context.i18n.lang) });
      } catch (error) {
        showError(context, errors, error, form);
      }
    });
  });
  return h('div', { class: 'translate' }, toggle, form, done);
}

const ACTION_KEYS = { accept: 'moderation.action_accept', hide: 'moderation.action_hide' } as const;

function logTable(context: Context, log: Decision[]): HTMLElement {
  if (log.length === 0) return h('p', { class: 'empty' }, context.t('moderation.log_empty'));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'moderation-log' },
      h('caption', { class: 'visually-hidden' }, context.t('moderation.log_heading')),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ...(
            [
              'moderation.col_sequence',
              'moderation.col_statement',
              'moderation.col_action',
              'moderation.col_reason',
              'moderation.col_role',
              'moderation.col_time',
            ] as const
          ).map((key) => h('th', { scope: 'col' }, context.t(key))),
        ),
      ),
      h(
        'tbody',
        null,
        ...log.map((decision) =>
          h(
            'tr',
            { 'data-action': decision.action, 'data-number': decision.statement_number },
            h('td', null, String(decision.sequence)),
            h('td', null, context.t('moderation.statement_number', { number: decision.statement_number })),
            h('td', null, context.t(ACTION_KEYS[decision.action])),
            h('td', null, reasonName(context, decision.reason)),
            h('td', null, roleName(context, decision.actor_role)),
            h('td', null, formatDateTime(decision.created_at, context.i18n.lang)),
          ),
        ),
      ),
    ),
  );
}
