// What the consultation pages share: loading the member, the navigation
// between the views, the fixed lists of reasons, and statement text display.
import { ApiError } from '../../api';
import { loading, noAccess } from '../../components/common';
import { showLoadFailure } from '../../components/forms';
import type { Context } from '../../context';
import { h, replaceChildren } from '../../dom';
import type { MessageKey } from '../../i18n';
import { languageName } from '../../lang';
import { type ConsultView, consultPath, dashboardPath, lobbyPath } from '../../router';
import type { HideReason, Me, ReportReason, StatementText, Translation, VoteChoice } from '../../types';

export const REPORT_REASONS: readonly ReportReason[] = [
  'spam',
  'harassment',
  'hate',
  'personal_information',
  'off_topic',
  'other',
];
export const HIDE_REASONS: readonly HideReason[] = [
  'spam',
  'harassment',
  'hate',
  'personal_information',
  'off_topic',
  'duplicate',
];
export const VOTES: readonly VoteChoice[] = ['agree', 'disagree', 'pass'];

const REASON_KEYS: Record<ReportReason | HideReason | 'within_guidelines', MessageKey> = {
  spam: 'reason.spam',
  harassment: 'reason.harassment',
  hate: 'reason.hate',
  personal_information: 'reason.personal_information',
  off_topic: 'reason.off_topic',
  other: 'reason.other',
  duplicate: 'reason.duplicate',
  within_guidelines: 'reason.within_guidelines',
};

export function reasonName(context: Context, reason: string): string {
  const key = REASON_KEYS[reason as keyof typeof REASON_KEYS] as MessageKey | undefined;
  return key ? context.t(key) : reason;
}

const VOTE_KEYS: Record<VoteChoice, MessageKey> = {
  agree: 'vote.agree',
  disagree: 'vote.disagree',
  pass: 'vote.pass',
};

export function voteName(context: Context, vote: VoteChoice): string {
  return context.t(VOTE_KEYS[vote]);
}

/** A, B, C… for group 0, 1, 2… */
export function groupLetter(group: number): string {
  return String.fromCharCode(65 + (group % 26));
}

/** The group's letter for a sentence: isolated (U+2068…U+2069) in right-to-left text, so that
 *  "A" does not carry the numbers around it to the wrong side. */
export function groupRef(context: Context, group: number): string {
  const letter = groupLetter(group);
  return context.i18n.dir === 'rtl' ? `\u2068${letter}\u2069` : letter;
}

/** The share behind "n of m": n / m when there were trials, else the given share. */
export function observedShare(nSuccess: number, nTrials: number, share: number): number {
  return nTrials > 0 ? nSuccess / nTrials : share;
}

export function percent(context: Context, share: number): string {
  return new Intl.NumberFormat(context.i18n.lang, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/** The text to show a reader: the translation into their language when there is one. */
export function shownText(
  original: StatementText,
  translation: Translation | null,
  showOriginal: boolean,
): StatementText {
  return translation && !showOriginal ? translation : original;
}

/** A statement's text as an element carrying its own language tag and direction. */
export function textElement(
  tag: 'p' | 'span' | 'blockquote',
  text: StatementText,
  attrs: Record<string, string> = {},
): HTMLElement {
  return h(tag, { lang: text.language, dir: 'auto', class: 'statement-text', ...attrs }, text.text);
}

/** "Machine translated from French" / "Translated by a person from French". */
export function translationLabel(context: Context, original: StatementText, translation: Translation): string {
  const language = languageName(original.language, context.i18n.lang);
  return context.t(translation.source === 'human' ? 'card.translated_human' : 'card.translated_machine', {
    language,
  });
}

/** Principle 3, said where people contribute. */
export function contributionNotice(context: Context, id: string): HTMLParagraphElement {
  return h('p', { class: 'privacy-note', id }, context.t('consult.notice'));
}

/** Links between the consultation views (and back to the lobby). */
export function consultNav(context: Context, me: Me, current: ConsultView | null): HTMLElement {
  const id = me.dialogue.id;
  const items: [string, MessageKey, boolean][] = [
    [lobbyPath(id), 'consult.nav_lobby', false],
    [consultPath(id, 'consult'), 'consult.nav_contribute', current === 'consult'],
    [consultPath(id, 'results'), 'consult.nav_results', current === 'results'],
    [consultPath(id, 'mine'), 'consult.nav_mine', current === 'mine'],
    [consultPath(id, 'moderation'), 'consult.nav_moderation', current === 'moderation'],
  ];
  if (me.member.role !== 'participant') items.push([dashboardPath(id), 'lobby.dashboard_link', false]);
  return h(
    'nav',
    { class: 'consult-nav', 'aria-label': context.t('consult.nav_label') },
    h(
      'ul',
      null,
      ...items.map(([href, key, active]) =>
        h('li', null, h('a', { href, 'aria-current': active ? 'page' : undefined }, context.t(key))),
      ),
    ),
  );
}

/**
 * Load who this browser is in the dialogue; on failure show why and return null.
 * `titleKey` heads the page when the failure is not about the credential.
 */
export async function loadMember(
  root: HTMLElement,
  context: Context,
  dialogueId: string,
  titleKey: MessageKey,
): Promise<{ token: string; me: Me } | null> {
  const token = context.credentials.get(dialogueId);
  if (!token) {
    noAccess(context, root);
    return null;
  }
  root.append(loading(context));
  let me: Me;
  try {
    me = await context.api.me(token);
    if (me.dialogue.id !== dialogueId) throw new Error('credential for another dialogue');
  } catch (error) {
    if (!context.isActive()) return null;
    if (error instanceof ApiError) {
      showLoadFailure(context, root, error, titleKey);
    } else {
      replaceChildren(root);
      noAccess(context, root); // a credential for another dialogue
    }
    return null;
  }
  if (!context.isActive()) return null;
  context.suggestLanguage(me.member.language);
  if (!context.isActive()) return null;
  return { token, me };
}
