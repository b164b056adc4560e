import type { Context } from '../context';
import { h } from '../dom';

export function notFoundPage(root: HTMLElement, context: Context): void {
  context.setTitle(context.t('notfound.title'));
  root.append(
    h('h1', { tabindex: -1 }, context.t('notfound.title')),
    h('p', null, context.t('notfound.body')),
    h('p', null, h('a', { href: '/' }, context.t('common.home_link'))),
  );
}
