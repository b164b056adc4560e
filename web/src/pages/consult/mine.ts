// `/d/<id>/mine`: what this person gave the consultation — their statements,
// votes (each can be changed) and reports; a JSON file of all of it; and
// deleting all of it after a confirmation.
import { busy, clearError, errorRegion, showError } from '../../components/forms';
import type { Context } from '../../context';
import { h, replaceChildren, uid } from '../../dom';
import { saveBlob, startDownload } from '../../download';
import { formatDateTime } from '../../time';
import type { Contributions, Me, StatementStatus, VoteChoice } from '../../types';
import { VOTES, consultNav, loadMember, reasonName, textElement, voteName } from './shared';

const STATUS_KEYS = {
  unmoderated: 'mine.status_unmoderated',
  accepted: 'mine.status_accepted',
  hidden: 'mine.status_hidden',
} as const satisfies Record<StatementStatus, string>;

export function exportFilename(dialogueId: string): string {
  return `indaba-${dialogueId}-my-contributions.json`;
}

export async function minePage(root: HTMLElement, context: Context, dialogueId: string): Promise<void> {
  const loaded = await loadMember(root, context, dialogueId, 'mine.title');
  if (!loaded) return;
  const { token, me } = loaded;
  context.setTitle(context.t('mine.title_for', { title: me.dialogue.title }));
  const errors = errorRegion('mine-error');
  const content = h('div', { class: 'mine-content' });
  const downloads = h('div', { class: 'download-result', role: 'status' });
  const revokers: (() => void)[] = [];
  context.onCleanup(() => revokers.splice(0).forEach((revoke) => revoke()));

  const load = async (): Promise<void> => {
    try {
      const data = await context.api.myContributions(token);
      if (context.isActive()) render(data);
    } catch (error) {
      if (context.isActive()) showError(context, errors, error);
    }
  };

  const render = (data: Contributions): void => {
    // A file saved earlier no longer matches what is shown.
    replaceChildren(downloads);
    revokers.splice(0).forEach((revoke) => revoke());
    replaceChildren(
      content,
      statementsSection(context, data),
      votesSection(context, token, data, errors),
      reportsSection(context, data),
      exportSection(context, me, token, errors, downloads, revokers),
      deleteSection(context, token, data, errors, () => void load()),
    );
  };

  replaceChildren(
    root,
    h(
      'div',
      { class: 'intro' },
      h('h1', { tabindex: -1 }, context.t('mine.heading')),
      h('p', null, context.t('mine.intro')),
    ),
    consultNav(context, me, 'mine'),
    errors,
    content,
  );
  await load();
}

function statementsSection(context: Context, data: Contributions): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'mine-statements-heading' },
    h('h2', { id: 'mine-statements-heading' }, context.t('mine.statements_heading')),
    data.statements.length === 0
      ? h('p', { class: 'empty' }, context.t('mine.no_statements'))
      : h(
          'ul',
          { class: 'card-list compact mine-statements' },
          ...data.statements.map((statement) =>
            h(
              'li',
              { class: 'card', 'data-statement-id': statement.id },
              textElement('p', statement.original),
              h(
                'p',
                { class: 'hint' },
                context.t('mine.statement_meta', {
                  number: statement.number,
                  status: context.t(STATUS_KEYS[statement.status]),
                  time: formatDateTime(statement.created_at, context.i18n.lang),
                }),
              ),
            ),
          ),
        ),
  );
}

function votesSection(context: Context, token: string, data: Contributions, errors: HTMLElement): HTMLElement {
  if (data.votes.length === 0) {
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': 'mine-votes-heading' },
      h('h2', { id: 'mine-votes-heading' }, context.t('mine.votes_heading')),
      h('p', { class: 'empty' }, context.t('mine.no_votes')),
    );
  }
  const rows = data.votes.map((vote) => {
    const id = uid('vote');
    const select = h(
      'select',
      { id, name: 'vote', 'data-statement-id': vote.statement_id },
      ...VOTES.map((choice) =>
        h('option', { value: choice, selected: choice === vote.vote }, voteName(context, choice)),
      ),
    );
    select.value = vote.vote;
    let saved: VoteChoice = vote.vote;
    select.addEventListener('change', () => {
      const chosen = select.value as VoteChoice;
      clearError(errors);
      select.disabled = true;
      context.api
        .vote(vote.statement_id, chosen, token)
        .then(
          () => {
            saved = chosen;
            context.announce(
              context.t('mine.vote_changed', { number: vote.statement_number, vote: voteName(context, chosen) }),
            );
          },
          (error: unknown) => {
            select.value = saved;
            if (context.isActive()) showError(context, errors, error);
          },
        )
        .finally(() => {
          select.disabled = false;
        });
    });
    return h(
      'tr',
      { 'data-statement-id': vote.statement_id },
      h('td', null, String(vote.statement_number)),
      h('td', { dir: 'auto' }, vote.statement_text),
      h(
        'td',
        null,
        h(
          'label',
          { for: id, class: 'visually-hidden' },
          context.t('mine.vote_label', { number: vote.statement_number }),
        ),
        select,
      ),
    );
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'mine-votes-heading' },
    h('h2', { id: 'mine-votes-heading' }, context.t('mine.votes_heading')),
    h('p', { class: 'hint' }, context.t('mine.votes_hint')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'mine-votes' },
        h('caption', { class: 'visually-hidden' }, context.t('mine.votes_heading')),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, context.t('mine.col_number')),
            h('th', { scope: 'col' }, context.t('mine.col_statement')),
            h('th', { scope: 'col' }, context.t('mine.col_vote')),
          ),
        ),
        h('tbody', null, ...rows),
      ),
    ),
  );
}

function reportsSection(context: Context, data: Contributions): HTMLElement | null {
  if (data.reports.length === 0) return null;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'mine-reports-heading' },
    h('h2', { id: 'mine-reports-heading' }, context.t('mine.reports_heading')),
    h(
      'ul',
      null,
      ...data.reports.map((report) =>
        h(
          'li',
          null,
          context.t('mine.report_item', {
            number: report.statement_number,
            reason: reasonName(context, report.reason),
          }),
        ),
      ),
    ),
  );
}

function exportSection(
  context: Context,
  me: Me,
  token: string,
  errors: HTMLElement,
  downloads: HTMLElement,
  revokers: (() => void)[],
): HTMLElement {
  const button = h('button', { type: 'button', class: 'secondary', id: 'mine-export' }, context.t('mine.export'));
  button.addEventListener('click', () => {
    clearError(errors);
    button.disabled = true;
    context.api
      .myContributions(token)
      .then(
        (fresh) => {
          if (!context.isActive()) return;
          const exported = { dialogue: { id: me.dialogue.id, title: me.dialogue.title }, ...fresh };
          const blob = new Blob([JSON.stringify(exported, null, 2)], { type: 'application/json' });
          const saved = saveBlob(blob, exportFilename(me.dialogue.id), exportFilename(me.dialogue.id));
          revokers.push(saved.revoke);
          replaceChildren(downloads, h('p', null, context.t('mine.export_ready'), ' ', saved.link));
          startDownload(saved.link);
        },
        (error: unknown) => {
          if (context.isActive()) showError(context, errors, error);
        },
      )
      .finally(() => {
        button.disabled = false;
      });
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'mine-export-heading' },
    h('h2', { id: 'mine-export-heading' }, context.t('mine.export_heading')),
    h('p', null, context.t('mine.export_intro')),
    button,
    downloads,
  );
}

function deleteSection(
  context: Context,
  token: string,
  data: Contributions,
  errors: HTMLElement,
  done: () => void,
): HTMLElement {
  const nothing = data.statements.length === 0 && data.votes.length === 0 && data.reports.length === 0;
  const start = h(
    'button',
    { type: 'button', class: 'danger', id: 'mine-delete', disabled: nothing, 'aria-controls': 'mine-delete-confirm' },
    context.t('mine.delete'),
  );
  const confirmForm = h(
    'form',
    { class: 'confirm stack', id: 'mine-delete-confirm', hidden: true, 'aria-labelledby': 'mine-delete-question' },
    h(
      'p',
      { id: 'mine-delete-question', tabindex: -1 },
      context.t('mine.delete_confirm', {
        statements: data.statements.length,
        votes: data.votes.length,
        reports: data.reports.length,
      }),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: 'danger', id: 'mine-delete-yes' }, context.t('mine.delete_yes')),
      h('button', { type: 'button', class: 'secondary', id: 'mine-delete-no' }, context.t('mine.delete_no')),
    ),
  );
  start.addEventListener('click', () => {
    confirmForm.hidden = false;
    start.hidden = true;
    confirmForm.querySelector<HTMLElement>('#mine-delete-question')?.focus();
  });
  confirmForm.querySelector('#mine-delete-no')?.addEventListener('click', () => {
    confirmForm.hidden = true;
    start.hidden = false;
    start.focus();
  });
  confirmForm.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errors);
    void busy(confirmForm, async () => {
      try {
        const { deleted } = await context.api.deleteMyContributions(token);
        if (!context.isActive()) return;
        const message = context.t('mine.deleted', deleted);
        context.announce(message);
        done();
        // The page re-renders; say what happened at the top.
        const intro = errors.parentElement?.querySelector('.intro');
        intro?.querySelector('#mine-deleted')?.remove();
        intro?.append(h('p', { class: 'done', id: 'mine-deleted' }, message));
      } catch (error) {
        showError(context, errors, error);
      }
    });
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'mine-delete-heading' },
    h('h2', { id: 'mine-delete-heading' }, context.t('mine.delete_heading')),
    h('p', null, context.t('mine.delete_intro')),
    start,
    confirmForm,
  );
}
