// The dashboard's consultation panel: links to moderation and results, and
// for the convener the Pol.is open-data export (fetched with the bearer
// header, saved as a file from a blob: URL).
import { clearError, errorRegion, showError } from '../../components/forms';
import { h, replaceChildren } from '../../dom';
import { saveBlob, startDownload } from '../../download';
import { consultPath } from '../../router';
import type { DashboardState as State } from './state';

export function polisFilename(dialogueId: string): string {
  return `indaba-${dialogueId}-polis.zip`;
}

export function consultPanel(state: State): HTMLElement {
  const { context, dialogue, me, token } = state;
  const errors = errorRegion('export-error');
  const result = h('div', { class: 'download-result', role: 'status' });
  const revokers: (() => void)[] = [];
  context.onCleanup(() => revokers.splice(0).forEach((revoke) => revoke()));
  let exportButton: HTMLButtonElement | null = null;
  if (me.member.role === 'convener') {
    const button = h(
      'button',
      { type: 'button', class: 'secondary', id: 'polis-export' },
      context.t('dashboard.export'),
    );
    button.addEventListener('click', () => {
      clearError(errors);
      button.disabled = true;
      context.api
        .polisExport(dialogue.id, token)
        .then(
          (blob) => {
            if (!context.isActive()) return;
            const saved = saveBlob(blob, polisFilename(dialogue.id), polisFilename(dialogue.id));
            revokers.push(saved.revoke);
            replaceChildren(result, h('p', null, context.t('dashboard.export_ready'), ' ', saved.link));
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
    exportButton = button;
  }
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'consult-admin-heading' },
    h('h2', { id: 'consult-admin-heading' }, context.t('dashboard.consult_heading')),
    h(
      'ul',
      { class: 'link-list' },
      h(
        'li',
        null,
        h(
          'a',
          { href: consultPath(dialogue.id, 'moderation'), id: 'dashboard-moderation' },
          context.t('dashboard.moderation_link'),
        ),
      ),
      h('li', null, h('a', { href: consultPath(dialogue.id, 'results') }, context.t('consult.nav_results'))),
    ),
    exportButton ? h('p', { class: 'hint' }, context.t('dashboard.export_hint')) : null,
    exportButton,
    errors,
    result,
  );
}
