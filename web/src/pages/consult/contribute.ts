// `/d/<id>/consult`: per prompt, the form to contribute a statement and the
// voting card (one statement at a time, in the reader's language when a
// translation exists, the original one press away), with Skip and Report.
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
import { h, replaceChildren, uid } from '../../dom';
import { languageName, uniqueCodes } from '../../lang';
import type { Me, NextCard, ReportReason, Statement, VoteChoice } from '../../types';
import {
  REPORT_REASONS,
  VOTES,
  consultNav,
  contributionNotice,
  loadMember,
  reasonName,
  shownText,
  translationLabel,
  voteName,
} from './shared';

export const MAX_STATEMENT = 280;
/** How many skipped statement ids `…/statements/next` accepts. */
export const MAX_SKIPPED = 200;

/** Statements skipped in this tab, per dialogue: they come back after a reload. */
const skippedByDialogue = new Map<string, Set<string>>();

export function skippedFor(dialogueId: string): Set<string> {
  let skipped = skippedByDialogue.get(dialogueId);
  if (!skipped) {
    skipped = new Set();
    skippedByDialogue.set(dialogueId, skipped);
  }
  return skipped;
}

/** Characters as people count them (code points, as the server does). */
export function charCount(text: string): number {
  return [...text].length;
}

export async function contributePage(root: HTMLElement, context: Context, dialogueId: string): Promise<void> {
  const loaded = await loadMember(root, context, dialogueId, 'consult.title');
  if (!loaded) return;
  const { token, me } = loaded;
  const { dialogue } = me;
  context.setTitle(context.t('consult.title_for', { title: dialogue.title }));

  const body = h('div', { class: 'consult-body' });
  let promptIndex = 0;
  const chooser =
    dialogue.prompts.length > 1
      ? selectField({
          label: context.t('consult.prompt_label'),
          name: 'prompt',
          id: 'consult-prompt',
          value: '0',
          choices: dialogue.prompts.map((prompt, index) => ({
            value: String(index),
            label: context.t('consult.prompt_choice', { number: index + 1, prompt }),
          })),
        })
      : null;
  chooser?.control.addEventListener('change', () => {
    promptIndex = Number(chooser.control.value) || 0;
    void renderPrompt();
  });

  const renderPrompt = async (): Promise<void> => {
    const prompt = dialogue.prompts[promptIndex] ?? '';
    const card = votingCard(context, me, token, promptIndex);
    replaceChildren(
      body,
      h('h2', { id: 'prompt-heading', class: 'prompt-heading', dir: 'auto' }, prompt),
      statementForm(context, me, token, promptIndex, () => void card.refresh()),
      card.section,
    );
    await card.refresh();
  };

  replaceChildren(
    root,
    h(
      'div',
      { class: 'intro' },
      h('h1', { tabindex: -1 }, context.t('consult.heading', { title: dialogue.title })),
      dialogue.status !== 'open' ? h('p', { class: 'notice' }, context.t('consult.not_open')) : null,
    ),
    consultNav(context, me, 'consult'),
    chooser ? h('div', { class: 'panel prompt-chooser' }, chooser.wrap) : null,
    body,
  );
  await renderPrompt();
}

function statementForm(
  context: Context,
  me: Me,
  token: string,
  promptIndex: number,
  submitted: () => void,
): HTMLElement {
  const noticeId = uid('statement-notice');
  const counterId = uid('statement-counter');
  const text = textareaField({
    label: context.t('statement.label'),
    name: 'text',
    id: 'statement-text',
    required: true,
    hint: context.t('statement.hint', { max: MAX_STATEMENT }),
  });
  text.control.setAttribute(
    'aria-describedby',
    `${text.control.getAttribute('aria-describedby') ?? ''} ${counterId} ${noticeId}`.trim(),
  );
  const counter = h('p', { class: 'counter', id: counterId }, '');
  let lastBand = 'ok';
  const updateCounter = (): void => {
    const count = charCount(text.control.value);
    counter.textContent = context.t('statement.counter', { count, max: MAX_STATEMENT });
    const band = count > MAX_STATEMENT ? 'over' : count >= MAX_STATEMENT - 20 ? 'near' : 'ok';
    counter.dataset.band = band;
    // Screen readers hear the count only when it starts to matter, not on every key.
    if (band !== lastBand && band !== 'ok') {
      context.announce(
        band === 'over'
          ? context.t('statement.too_long', { max: MAX_STATEMENT })
          : context.t('statement.left', { left: MAX_STATEMENT - count }),
      );
    }
    lastBand = band;
  };
  text.control.addEventListener('input', updateCounter);
  updateCounter();
  const language = languagePicker(context, {
    label: context.t('statement.language_label'),
    name: 'language',
    id: 'statement-language',
    codes: uniqueCodes([me.member.language, ...me.dialogue.languages]),
    value: me.member.language,
  });
  const errors = errorRegion('statement-error');
  const done = h('p', { class: 'done', role: 'status' });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'statement-heading' },
    contributionNotice(context, noticeId),
    text.wrap,
    counter,
    language.wrap,
    errors,
    h('button', { type: 'submit', class: 'primary', id: 'statement-submit' }, context.t('statement.submit')),
    done,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError(errors, form);
    done.textContent = '';
    const value = text.control.value.trim();
    const count = charCount(value);
    if (count === 0 || count > MAX_STATEMENT) {
      showMessage(errors, context.t('statement.length_invalid', { max: MAX_STATEMENT }));
      text.control.setAttribute('aria-invalid', 'true');
      text.control.focus();
      return;
    }
    const code = language.value();
    if (!code) {
      showMessage(errors, context.t('validation.language_code_invalid', { code: language.other.value.trim() }));
      language.other.setAttribute('aria-invalid', 'true');
      language.other.focus();
      return;
    }
    void busy(form, async () => {
      try {
        await context.api.submitStatement(
          me.dialogue.id,
          { prompt_index: promptIndex, text: value, language: code },
          token,
        );
        if (!context.isActive()) return;
        text.control.value = '';
        updateCounter();
        done.textContent = context.t('statement.added');
        submitted();
      } catch (error) {
        showError(context, errors, error, form);
      }
    });
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'statement-heading' },
    h('h3', { id: 'statement-heading' }, context.t('statement.heading')),
    form,
  );
}

interface VotingCard {
  section: HTMLElement;
  refresh(): Promise<void>;
}

function votingCard(context: Context, me: Me, token: string, promptIndex: number): VotingCard {
  const dialogueId = me.dialogue.id;
  const skipped = skippedFor(dialogueId);
  const errors = errorRegion('card-error');
  const status = h('p', { class: 'done', role: 'status', id: 'card-status' });
  const remaining = h('p', { class: 'remaining', id: 'card-remaining' });
  const text = h('div', { class: 'card-text', id: 'card-text', 'aria-live': 'polite' });
  const provenance = h('p', { class: 'provenance', id: 'card-provenance' });
  const toggle = h('button', { type: 'button', class: 'link-button', id: 'card-original', 'aria-pressed': 'false' });
  const voteButtons = VOTES.map((vote) =>
    h(
      'button',
      { type: 'button', class: `vote vote-${vote}`, 'data-vote': vote, 'aria-describedby': 'card-text' },
      voteName(context, vote),
    ),
  );
  const skipButton = h('button', { type: 'button', class: 'secondary', id: 'card-skip' }, context.t('card.skip'));
  const reportToggle = h(
    'button',
    {
      type: 'button',
      class: 'link-button',
      id: 'card-report',
      'aria-expanded': 'false',
      'aria-controls': 'report-form',
    },
    context.t('card.report'),
  );
  const reason = selectField({
    label: context.t('card.report_reason'),
    name: 'reason',
    id: 'report-reason',
    choices: REPORT_REASONS.map((value) => ({ value, label: reasonName(context, value) })),
  });
  const reportForm = h(
    'form',
    { class: 'report-form stack', id: 'report-form', hidden: true, novalidate: true },
    h('p', { class: 'hint' }, context.t('card.report_hint')),
    reason.wrap,
    h('button', { type: 'submit', class: 'secondary', id: 'report-submit' }, context.t('card.report_submit')),
  );
  const emptyText = h('p', { class: 'empty', id: 'card-empty' });
  const againButton = h('button', { type: 'button', class: 'secondary', id: 'card-again' }, context.t('card.again'));
  const empty = h('div', { class: 'card-empty', hidden: true }, emptyText, againButton);
  const cardBody = h(
    'article',
    { class: 'card vote-card', 'aria-labelledby': 'card-heading' },
    h('h4', { id: 'card-heading', class: 'visually-hidden' }, context.t('card.statement')),
    text,
    provenance,
    toggle,
    h(
      'div',
      { class: 'vote-buttons', role: 'group', 'aria-label': context.t('card.vote_group') },
      ...voteButtons,
      skipButton,
    ),
    reportToggle,
    reportForm,
    status,
  );
  const section = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'vote-heading' },
    h('h3', { id: 'vote-heading' }, context.t('card.heading')),
    contributionNotice(context, 'vote-notice'),
    remaining,
    errors,
    cardBody,
    empty,
  );

  let current: Statement | null = null;
  let showOriginal = false;

  const paint = (): void => {
    if (!current) return;
    const { original, translation } = current;
    const shown = shownText(original, translation, showOriginal);
    replaceChildren(text, h('blockquote', { lang: shown.language, dir: 'auto', class: 'statement-text' }, shown.text));
    toggle.hidden = translation === null;
    provenance.hidden = translation === null;
    if (translation) {
      provenance.textContent = showOriginal
        ? context.t('card.showing_original', { language: languageName(original.language, context.i18n.lang) })
        : translationLabel(context, original, translation);
      toggle.textContent = context.t('card.show_original', {
        language: languageName(original.language, context.i18n.lang),
      });
      toggle.setAttribute('aria-pressed', String(showOriginal));
    }
  };

  const show = (card: NextCard): void => {
    if (card.statement?.id !== current?.id) status.textContent = '';
    current = card.statement;
    showOriginal = false;
    remaining.textContent = context.t('card.remaining', { count: card.remaining });
    remaining.dataset.count = String(card.remaining);
    cardBody.hidden = current === null;
    empty.hidden = current !== null;
    reportForm.hidden = true;
    reportToggle.setAttribute('aria-expanded', 'false');
    if (current) {
      cardBody.dataset.statementId = current.id;
      paint();
    } else {
      delete cardBody.dataset.statementId;
      emptyText.textContent =
        skipped.size > 0 ? context.t('card.done_skipped', { count: skipped.size }) : context.t('card.done');
      againButton.hidden = skipped.size === 0;
    }
  };

  const refresh = async (): Promise<void> => {
    try {
      // The server takes at most MAX_SKIPPED ids; the most recent ones matter most.
      const card = await context.api.nextStatement(dialogueId, promptIndex, [...skipped].slice(-MAX_SKIPPED), token);
      if (!context.isActive()) return;
      show(card);
    } catch (error) {
      if (context.isActive()) showError(context, errors, error);
    }
  };

  const setBusy = (value: boolean): void => {
    for (const button of [...voteButtons, skipButton]) button.disabled = value;
    cardBody.setAttribute('aria-busy', String(value));
    if (!value) cardBody.removeAttribute('aria-busy');
  };

  const vote = async (choice: VoteChoice, button: HTMLButtonElement): Promise<void> => {
    if (!current) return;
    clearError(errors);
    setBusy(true);
    try {
      await context.api.vote(current.id, choice, token);
      if (!context.isActive()) return;
      context.announce(context.t('card.voted', { vote: voteName(context, choice) }));
      await refresh();
    } catch (error) {
      if (!context.isActive()) return;
      showError(context, errors, error);
      // A statement hidden meanwhile: move on to the next one.
      await refresh();
    } finally {
      setBusy(false);
      // Keep the keyboard where it was, or on the first vote button when the card moved on.
      if (context.isActive() && !cardBody.hidden) button.focus();
      else if (context.isActive() && !empty.hidden) (againButton.hidden ? emptyText : againButton).focus();
    }
  };

  voteButtons.forEach((button, index) => {
    button.addEventListener('click', () => void vote(VOTES[index] ?? 'pass', button));
  });
  emptyText.tabIndex = -1;
  skipButton.addEventListener('click', () => {
    if (!current) return;
    skipped.add(current.id);
    clearError(errors);
    context.announce(context.t('card.skipped'));
    void refresh().then(() => {
      if (context.isActive() && !cardBody.hidden) skipButton.focus();
      else if (context.isActive()) againButton.focus();
    });
  });
  againButton.addEventListener('click', () => {
    skipped.clear();
    void refresh().then(() => {
      if (context.isActive() && !cardBody.hidden) voteButtons[0]?.focus();
    });
  });
  toggle.addEventListener('click', () => {
    showOriginal = !showOriginal;
    paint();
  });
  reportToggle.addEventListener('click', () => {
    const open = reportForm.hidden;
    reportForm.hidden = !open;
    reportToggle.setAttribute('aria-expanded', String(open));
    if (open) reason.control.focus();
  });
  reportForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) return;
    clearError(errors);
    const chosen = reason.control.value as ReportReason;
    void busy(reportForm, async () => {
      try {
        await context.api.report(current!.id, chosen, token);
        if (!context.isActive()) return;
        reportForm.hidden = true;
        reportToggle.setAttribute('aria-expanded', 'false');
        context.announce(context.t('card.reported'));
        status.textContent = context.t('card.reported');
        reportToggle.focus();
      } catch (error) {
        showError(context, errors, error);
      }
    });
  });

  return { section, refresh };
}
