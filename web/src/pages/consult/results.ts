// `/d/<id>/results`: the opinion map (an SVG with a summary for screen
// readers), each group's representative statements with counts, the
// statements all groups agree on, totals, and a table with the same figures.
import { errorRegion, showError } from '../../components/forms';
import type { Context } from '../../context';
import { h, replaceChildren } from '../../dom';
import { languageName } from '../../lang';
import type { ConsensusStatement, OpinionGroup, OpinionMapData, Representative } from '../../types';
import { legendSwatch, opinionMapSvg } from './opinionMap';
import {
  consultNav,
  groupLetter,
  groupRef,
  loadMember,
  observedShare,
  percent,
  textElement,
  translationLabel,
} from './shared';

export async function resultsPage(root: HTMLElement, context: Context, dialogueId: string): Promise<void> {
  const loaded = await loadMember(root, context, dialogueId, 'results.title');
  if (!loaded) return;
  const { token, me } = loaded;
  context.setTitle(context.t('results.title_for', { title: me.dialogue.title }));
  const errors = errorRegion('results-error');
  const content = h('div', { class: 'results', 'aria-busy': 'true' });
  const refresh = h(
    'button',
    { type: 'button', class: 'secondary', id: 'results-refresh' },
    context.t('results.refresh'),
  );
  const load = async (): Promise<void> => {
    content.setAttribute('aria-busy', 'true');
    try {
      const data = await context.api.opinionMap(dialogueId, token);
      if (!context.isActive()) return;
      renderResults(context, content, data);
    } catch (error) {
      if (context.isActive()) showError(context, errors, error);
    } finally {
      content.removeAttribute('aria-busy');
    }
  };
  refresh.addEventListener('click', () => {
    void load().then(() => context.announce(context.t('results.refreshed')));
  });
  replaceChildren(
    root,
    h(
      'div',
      { class: 'intro' },
      h('h1', { tabindex: -1 }, context.t('results.heading')),
      h('p', null, context.t('results.intro')),
      refresh,
    ),
    consultNav(context, me, 'results'),
    errors,
    content,
  );
  await load();
}

export function groupName(context: Context, group: number): string {
  return context.t('results.group', { group: groupRef(context, group) });
}

/** "72% of group A agree, 18 of 25". */
export function repCount(context: Context, group: number, rep: Representative): string {
  return context.t(rep.repful_for === 'agree' ? 'results.rep_agree' : 'results.rep_disagree', {
    percent: percent(context, observedShare(rep.n_success, rep.n_trials, rep.share)),
    group: groupRef(context, group),
    count: rep.n_success,
    total: rep.n_trials,
  });
}

function consensusCount(context: Context, direction: 'agree' | 'disagree', item: ConsensusStatement): string {
  return context.t(direction === 'agree' ? 'results.consensus_agree_count' : 'results.consensus_disagree_count', {
    percent: percent(context, observedShare(item.n_success, item.n_trials, item.share)),
    count: item.n_success,
    total: item.n_trials,
  });
}

export function mapSummary(context: Context, data: OpinionMapData): string {
  const groups = data.groups
    .map((group) => context.t('results.summary_group', { group: groupRef(context, group.id), count: group.size }))
    .join('; ');
  const base = context.t('results.summary', { count: data.participants, groups: data.groups.length, list: groups });
  return data.me ? `${base} ${context.t('results.summary_you', { group: groupRef(context, data.me.group) })}` : base;
}

function statementText(context: Context, data: OpinionMapData, number: number): HTMLElement {
  const texts = data.statement_texts[String(number)];
  if (!texts) return h('p', { class: 'statement-text' }, context.t('results.statement_number', { number }));
  const { original, translation } = texts;
  if (!translation) return textElement('p', original);
  return h(
    'div',
    { class: 'translated' },
    textElement('p', translation),
    h('p', { class: 'hint' }, translationLabel(context, original, translation)),
    h(
      'p',
      { class: 'original' },
      context.t('results.original', { language: languageName(original.language, context.i18n.lang) }),
      ' ',
      textElement('span', original),
    ),
  );
}

function repList(context: Context, data: OpinionMapData, group: OpinionGroup): HTMLElement {
  if (group.representative.length === 0) return h('p', { class: 'empty' }, context.t('results.no_representative'));
  return h(
    'ul',
    { class: 'statement-list' },
    ...group.representative.map((rep) =>
      h(
        'li',
        { 'data-number': rep.number, 'data-repful': rep.repful_for },
        statementText(context, data, rep.number),
        h('p', { class: 'count' }, repCount(context, group.id, rep)),
      ),
    ),
  );
}

function totals(context: Context, data: OpinionMapData): HTMLElement {
  const number = new Intl.NumberFormat(context.i18n.lang);
  const rows: [string, number, string][] = [
    [context.t('results.total_participants'), data.participants, 'participants'],
    [context.t('results.total_votes'), data.votes, 'votes'],
    [context.t('results.total_statements'), data.statements, 'statements'],
    [context.t('results.total_groups'), data.groups.length, 'groups'],
  ];
  return h(
    'dl',
    { class: 'stats' },
    ...rows.map(([term, value, key]) =>
      h('div', { class: 'stat', 'data-stat': key }, h('dt', null, term), h('dd', null, number.format(value))),
    ),
  );
}

export function renderResults(context: Context, content: HTMLElement, data: OpinionMapData): void {
  const totalsPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'totals-heading' },
    h('h2', { id: 'totals-heading' }, context.t('results.totals_heading')),
    totals(context, data),
  );
  if (data.groups.length === 0) {
    replaceChildren(content, h('p', { class: 'notice', id: 'results-empty' }, context.t('results.empty')), totalsPanel);
    return;
  }
  const summary = mapSummary(context, data);
  const plot = opinionMapSvg({
    groups: data.groups,
    points: data.points,
    me: data.me,
    label: summary,
    youText: context.t('results.you'),
    groupName: (group) => groupLetter(group),
  });
  const figure = h('figure', { class: 'map-figure', 'data-highlight': '' });
  figure.append(plot);
  const legend = h(
    'ul',
    { class: 'legend', 'aria-label': context.t('results.legend') },
    ...data.groups.map((group) => {
      const button = h(
        'button',
        { type: 'button', class: 'legend-button', 'aria-pressed': 'false', 'data-group': group.id },
        legendSwatch(group.id),
        context.t('results.legend_item', { group: groupRef(context, group.id), count: group.size }),
      );
      button.addEventListener('click', () => {
        const on = button.getAttribute('aria-pressed') !== 'true';
        for (const other of legend.querySelectorAll('button')) other.setAttribute('aria-pressed', 'false');
        button.setAttribute('aria-pressed', String(on));
        figure.dataset.highlight = on ? String(group.id) : '';
        for (const element of plot.querySelectorAll('.hull, .point, .group-label')) {
          const dim = on && !element.classList.contains(`group-${group.id}`);
          element.classList.toggle('dimmed', dim);
        }
      });
      return h('li', null, button);
    }),
  );
  figure.append(
    h(
      'figcaption',
      null,
      h('p', { id: 'map-summary' }, summary),
      data.me
        ? h('p', { class: 'hint' }, context.t('results.you_hint'))
        : h('p', { class: 'hint' }, context.t('results.not_placed')),
      h('p', { class: 'hint' }, context.t('results.legend_hint')),
      legend,
    ),
  );

  const groupsPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'groups-heading' },
    h('h2', { id: 'groups-heading' }, context.t('results.groups_heading')),
    ...data.groups.map((group) =>
      h(
        'section',
        {
          class: `subpanel group-card group-${group.id}`,
          'data-group': group.id,
          'aria-labelledby': `group-${group.id}-heading`,
        },
        h(
          'h3',
          { id: `group-${group.id}-heading` },
          legendSwatch(group.id),
          context.t('results.group_heading', { group: groupRef(context, group.id), count: group.size }),
          data.me?.group === group.id ? h('span', { class: 'badge' }, context.t('results.your_group')) : null,
        ),
        repList(context, data, group),
      ),
    ),
  );

  const consensusPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'consensus-heading' },
    h('h2', { id: 'consensus-heading' }, context.t('results.consensus_heading')),
    h('p', { class: 'hint' }, context.t('results.consensus_hint')),
    ...(['agree', 'disagree'] as const).map((direction) => {
      const items = data.consensus[direction];
      return h(
        'div',
        { class: 'consensus', 'data-direction': direction },
        h('h3', null, context.t(direction === 'agree' ? 'results.consensus_agree' : 'results.consensus_disagree')),
        items.length === 0
          ? h('p', { class: 'empty' }, context.t('results.consensus_none'))
          : h(
              'ul',
              { class: 'statement-list' },
              ...items.map((item) =>
                h(
                  'li',
                  { 'data-number': item.number },
                  statementText(context, data, item.number),
                  h('p', { class: 'count' }, consensusCount(context, direction, item)),
                ),
              ),
            ),
      );
    }),
  );

  const table = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'table-heading' },
    h('h2', { id: 'table-heading' }, context.t('results.table_heading')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'groups-table', id: 'groups-table' },
        h('caption', null, context.t('results.table_caption')),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, context.t('results.col_group')),
            h('th', { scope: 'col' }, context.t('results.col_size')),
            h('th', { scope: 'col' }, context.t('results.col_representative')),
          ),
        ),
        h(
          'tbody',
          null,
          ...data.groups.map((group) =>
            h(
              'tr',
              { 'data-group': group.id },
              h('th', { scope: 'row' }, groupName(context, group.id)),
              h('td', null, String(group.size)),
              h(
                'td',
                null,
                group.representative.length === 0
                  ? context.t('results.no_representative')
                  : h(
                      'ul',
                      null,
                      ...group.representative.map((rep) => {
                        const texts = data.statement_texts[String(rep.number)];
                        const shown = texts ? (texts.translation ?? texts.original) : null;
                        return h(
                          'li',
                          null,
                          shown ? h('span', { lang: shown.language, dir: 'auto' }, shown.text) : `#${rep.number}`,
                          ' — ',
                          repCount(context, group.id, rep),
                        );
                      }),
                    ),
              ),
            ),
          ),
        ),
      ),
    ),
  );

  replaceChildren(
    content,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'map-heading' },
      h('h2', { id: 'map-heading' }, context.t('results.map_heading')),
      figure,
    ),
    groupsPanel,
    consensusPanel,
    totalsPanel,
    table,
  );
}
