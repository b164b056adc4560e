// `/`: what Indaba is, the dialogues this browser belongs to, and the form a
// convener uses to create a dialogue.
import type { Context } from '../context';
import { h, replaceChildren } from '../dom';
import { dashboardPath, lobbyPath } from '../router';
import { roleName, isCredentialRejected } from '../components/common';
import { createDialogueForm } from './createDialogue';

export async function homePage(root: HTMLElement, context: Context): Promise<void> {
  context.setTitle(context.t('home.title'));
  const mine = h('section', { class: 'panel', 'aria-labelledby': 'my-dialogues-heading' });
  root.append(
    h(
      'div',
      { class: 'intro' },
      h('h1', { tabindex: -1 }, context.t('home.heading')),
      h('p', null, context.t('home.intro_1')),
      h('p', null, context.t('home.intro_2')),
    ),
    mine,
    createDialogueForm(context),
  );
  await renderMyDialogues(context, mine);
}

async function renderMyDialogues(context: Context, section: HTMLElement): Promise<void> {
  const credentials = Object.entries(context.credentials.all());
  if (credentials.length === 0) {
    section.hidden = true;
    return;
  }
  const list = h('ul', { class: 'card-list' });
  replaceChildren(section, h('h2', { id: 'my-dialogues-heading' }, context.t('home.mine_heading')), list);
  const rows = await Promise.all(
    credentials.map(async ([dialogueId, token]) => {
      try {
        const me = await context.api.me(token);
        const canManage = me.member.role !== 'participant';
        return h(
          'li',
          { class: 'card', 'data-dialogue-id': me.dialogue.id },
          h('a', { href: lobbyPath(me.dialogue.id), class: 'card-title', dir: 'auto' }, me.dialogue.title),
          h(
            'p',
            { class: 'meta' },
            context.t('home.mine_as', { name: me.member.display_name, role: roleName(context, me.member.role) }),
          ),
          canManage ? h('a', { href: dashboardPath(me.dialogue.id) }, context.t('home.mine_dashboard')) : null,
        );
      } catch (error) {
        const forget = h('button', { type: 'button', class: 'secondary' }, context.t('home.mine_forget'));
        const item = h(
          'li',
          { class: 'card card-stale', 'data-dialogue-id': dialogueId },
          h(
            'p',
            null,
            isCredentialRejected(error) ? context.t('home.mine_invalid') : context.t('home.mine_unreachable'),
          ),
          isCredentialRejected(error) ? forget : null,
        );
        forget.addEventListener('click', () => {
          context.credentials.remove(dialogueId);
          item.remove();
          context.announce(context.t('home.mine_forgotten'));
        });
        return item;
      }
    }),
  );
  if (!context.isActive()) return;
  list.append(...rows);
}
