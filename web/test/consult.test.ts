// The consultation pages (contribute, my contributions, moderation, results)
// driven in jsdom against the in-memory FakeServer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../src/api';
import { App } from '../src/app';
import { CREDENTIALS_KEY } from '../src/credentials';
import type { Member } from '../src/types';
import type { Context } from '../src/context';
import { I18n } from '../src/i18n';
import { charCount } from '../src/pages/consult/contribute';
import { groupRef } from '../src/pages/consult/shared';
import { HEIGHT, MAX_POINTS, WIDTH, samplePoints, scaler } from '../src/pages/consult/opinionMap';
import { consultPath, matchRoute } from '../src/router';
import { FakeServer } from './fakeServer';

const SHELL = `
  <a id="skip-link" href="#main"></a>
  <header id="site-header"></header>
  <main id="main" tabindex="-1"></main>
  <div id="announcer" role="status" aria-live="polite"></div>
  <footer id="site-footer"></footer>`;

let app: App | null = null;

async function settle(): Promise<void> {
  for (let i = 0; i < 12; i += 1) {
    await app?.rendered;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function open(server: FakeServer, path: string): Promise<App> {
  document.body.innerHTML = SHELL;
  window.history.replaceState(null, '', path);
  app = new App({ window, api: new Api(server.fetch) });
  app.start();
  await settle();
  return app;
}

function main(): HTMLElement {
  return document.getElementById('main')!;
}

function byLabel<T extends HTMLElement>(text: string): T {
  const label = [...document.querySelectorAll('label')].find((l) => l.textContent === text);
  if (!label) throw new Error(`no label "${text}"`);
  const control = document.getElementById(label.htmlFor);
  if (!control) throw new Error(`label "${text}" points at nothing`);
  return control as T;
}

function button(text: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find(
    (b) => !b.closest('[hidden]') && b.textContent?.trim().startsWith(text),
  );
  if (!found) throw new Error(`no button "${text}"`);
  return found;
}

function submit(form: Element | null | undefined): void {
  form?.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
}

/** jsdom's Blob has no text(); FileReader reads it. */
function blobText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsText(blob);
  });
}

function signIn(dialogueId: string, token: string): void {
  localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogueId]: token }));
}

function world(language = 'en'): {
  server: FakeServer;
  dialogueId: string;
  convener: Member;
  convenerToken: string;
  member: Member;
  token: string;
} {
  const server = new FakeServer();
  const { dialogue, convener, token: convenerToken } = server.addDialogue();
  const { member, token } = server.addMember(dialogue.id, 'participant', 'Ama', language);
  return { server, dialogueId: dialogue.id, convener, convenerToken, member, token };
}

beforeEach(() => {
  localStorage.clear();
});

afterEach(() => {
  app?.stop();
  app = null;
  vi.restoreAllMocks();
});

describe('contribute', () => {
  it('says where statements and votes go, at the form and at the card', async () => {
    const { server, dialogueId, token } = world();
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/consult`);
    const notices = [...main().querySelectorAll('.privacy-note')].map((n) => n.textContent);
    expect(notices).toHaveLength(2);
    for (const notice of notices) expect(notice).toContain('go to the convener and are published in aggregate');
    const textarea = byLabel<HTMLTextAreaElement>('Your statement');
    expect(textarea.closest('form')?.querySelector('.privacy-note')).not.toBeNull();
    expect(textarea.getAttribute('aria-describedby')).toContain(
      textarea.closest('form')?.querySelector('.privacy-note')?.id,
    );
  });

  it('counts characters live and submits with the member’s language, which can be changed', async () => {
    const { server, dialogueId, token } = world('fr');
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/consult`);
    // The member's language is French, so the interface is too.
    const language = byLabel<HTMLSelectElement>('Langue de votre affirmation');
    expect(language.value).toBe('fr');
    const text = byLabel<HTMLTextAreaElement>('Votre affirmation');
    text.value = 'Plus de bus la nuit.';
    text.dispatchEvent(new Event('input'));
    expect(main().querySelector('.counter')?.textContent).toBe('20 sur 280 caractères');
    text.value = 'x'.repeat(281);
    text.dispatchEvent(new Event('input'));
    expect(main().querySelector<HTMLElement>('.counter')?.dataset.band).toBe('over');
    submit(text.closest('form'));
    await settle();
    expect(main().querySelector('#statement-error')?.textContent).toContain('280');
    expect(server.calls.some((c) => c.method === 'POST' && c.path.endsWith('/statements'))).toBe(false);

    text.value = 'More buses at night.';
    language.value = 'en';
    submit(text.closest('form'));
    await settle();
    const call = server.calls.find((c) => c.method === 'POST' && c.path.endsWith('/statements'));
    expect(call?.body).toEqual({ prompt_index: 0, text: 'More buses at night.', language: 'en' });
    expect(text.value).toBe('');
  });

  it('shows cards in the reader’s language with the original one press away, votes, skips and reports', async () => {
    const { server, dialogueId, convener, token } = world('en');
    const french = { ...convener, language: 'fr' };
    const first = server.addStatement(dialogueId, french, 'Des arbres partout.', {
      translations: [{ language: 'en', text: 'Trees everywhere.', source: 'machine' }],
    });
    const second = server.addStatement(dialogueId, convener, 'Free transit.');
    server.addStatement(dialogueId, convener, 'Quiet streets.');
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/consult`);

    const card = main().querySelector<HTMLElement>('.vote-card')!;
    expect(card.dataset.statementId).toBe(first.id);
    expect(card.querySelector('blockquote')?.textContent).toBe('Trees everywhere.');
    expect(card.querySelector('blockquote')?.getAttribute('lang')).toBe('en');
    expect(main().querySelector('#card-remaining')?.textContent).toBe('3 left');
    expect(card.querySelector('.provenance')?.textContent).toBe('Machine translated from French');
    const toggle = button('Show the original (French)');
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    toggle.click();
    expect(card.querySelector('blockquote')?.textContent).toBe('Des arbres partout.');
    expect(card.querySelector('blockquote')?.getAttribute('lang')).toBe('fr');
    expect(toggle.getAttribute('aria-pressed')).toBe('true');

    // Report with a reason from the fixed list.
    button('Report this statement').click();
    const reason = byLabel<HTMLSelectElement>('Reason');
    expect([...reason.options].map((o) => o.value)).toEqual([
      'spam',
      'harassment',
      'hate',
      'personal_information',
      'off_topic',
      'other',
    ]);
    reason.value = 'off_topic';
    submit(reason.closest('form'));
    await settle();
    expect(server.reports).toEqual([{ statement_id: first.id, reporter_id: expect.any(String), reason: 'off_topic' }]);
    expect(main().querySelector('#card-status')?.textContent).toContain('Reported');

    const agree = button('Agree');
    agree.click();
    await settle();
    expect(server.calls.find((c) => c.method === 'PUT')?.body).toEqual({ vote: 'agree' });
    expect(card.dataset.statementId).toBe(second.id);
    expect(main().querySelector('#card-remaining')?.textContent).toBe('2 left');
    expect(card.querySelector('#card-original')?.hasAttribute('hidden')).toBe(true);
    expect(document.activeElement).toBe(agree);

    button('Skip').click();
    await settle();
    const next = server.calls.filter((c) => c.path.includes('/statements/next')).at(-1);
    expect(next?.path).toContain(`skip=${second.id}`);
    expect(card.dataset.statementId).not.toBe(second.id);
    expect(main().querySelector('#card-remaining')?.textContent).toBe('1 left');

    button('Pass').click();
    await settle();
    expect(card.hidden).toBe(true);
    expect(main().querySelector('#card-empty')?.textContent).toContain('you skipped 1');
    button('Show the skipped statements again').click();
    await settle();
    expect(card.dataset.statementId).toBe(second.id);
  });

  it('moves on when a statement was hidden meanwhile', async () => {
    const { server, dialogueId, convener, token } = world();
    const first = server.addStatement(dialogueId, convener, 'Soon hidden.');
    server.addStatement(dialogueId, convener, 'Still here.');
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/consult`);
    first.status = 'hidden';
    button('Disagree').click();
    await settle();
    expect(main().querySelector<HTMLElement>('#card-error')?.dataset.code).toBe('statement_hidden');
    expect(main().querySelector('.vote-card blockquote')?.textContent).toBe('Still here.');
  });

  it('offers each prompt with its own cards', async () => {
    const { server, dialogueId, convener, token } = world();
    server.addStatement(dialogueId, convener, 'About change.', { prompt_index: 0 });
    server.addStatement(dialogueId, convener, 'About keeping.', { prompt_index: 1 });
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/consult`);
    expect(main().querySelector('.vote-card blockquote')?.textContent).toBe('About change.');
    const question = byLabel<HTMLSelectElement>('Question');
    question.value = '1';
    question.dispatchEvent(new Event('change'));
    await settle();
    expect(main().querySelector('#prompt-heading')?.textContent).toBe('What should stay?');
    expect(main().querySelector('.vote-card blockquote')?.textContent).toBe('About keeping.');
  });
});

describe('my contributions', () => {
  it('lists, changes a vote, exports a JSON file and deletes after confirmation', async () => {
    const { server, dialogueId, convener, member, token } = world();
    const theirs = server.addStatement(dialogueId, convener, 'Theirs.');
    server.addStatement(dialogueId, member, 'Mine.');
    server.votes.set(`${member.id}:${theirs.id}`, 'disagree');
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/mine`);

    expect(main().querySelector('.mine-statements')?.textContent).toContain('Mine.');
    const vote = byLabel<HTMLSelectElement>('Your vote on statement 0');
    expect(vote.value).toBe('disagree');
    vote.value = 'agree';
    vote.dispatchEvent(new Event('change'));
    await settle();
    expect(server.votes.get(`${member.id}:${theirs.id}`)).toBe('agree');
    expect(server.calls.find((c) => c.method === 'PUT')?.path).toBe(`/api/statements/${theirs.id}/vote`);

    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      created.push(blob);
      return 'blob:http://localhost/file';
    });
    URL.revokeObjectURL = vi.fn();
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    button('Download my contributions').click();
    await settle();
    const link = main().querySelector<HTMLAnchorElement>('a.download-link')!;
    expect(link.getAttribute('download')).toBe(`indaba-${dialogueId}-my-contributions.json`);
    expect(link.getAttribute('href')).toBe('blob:http://localhost/file');
    expect(clicked).toHaveBeenCalled();
    const exported = JSON.parse(await blobText(created[0]!)) as { votes: unknown[]; statements: unknown[] };
    expect(exported.votes).toHaveLength(2);
    expect(exported.statements).toHaveLength(1);

    button('Delete all my contributions').click();
    expect(document.activeElement?.id).toBe('mine-delete-question');
    expect(main().textContent).toContain('Delete 1 statements, 2 votes and 0 reports?');
    expect(server.calls.some((c) => c.method === 'DELETE')).toBe(false);
    button('Cancel').click();
    expect(server.calls.some((c) => c.method === 'DELETE')).toBe(false);
    button('Delete all my contributions').click();
    submit(document.getElementById('mine-delete-confirm'));
    await settle();
    expect(server.calls.some((c) => c.method === 'DELETE' && c.path === '/api/me/contributions')).toBe(true);
    expect(main().querySelector('.mine-statements')).toBeNull();
    expect(main().textContent).toContain('You have not voted yet.');
    app?.stop();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:http://localhost/file');
  });
});

describe('moderation', () => {
  it('lets a facilitator hide a reported statement with a reason, and logs it publicly', async () => {
    const { server, dialogueId, convener, member } = world();
    const { token: facToken } = server.addMember(dialogueId, 'facilitator', 'Nadia', 'en');
    const bad = server.addStatement(dialogueId, member, 'Buy my stuff!');
    const good = server.addStatement(dialogueId, convener, 'Good idea.');
    server.reports.push({ statement_id: bad.id, reporter_id: convener.id, reason: 'spam' });
    signIn(dialogueId, facToken);
    await open(server, `/d/${dialogueId}/moderation`);

    const items = [...main().querySelectorAll<HTMLElement>('.queue-item')];
    expect(items.map((li) => li.dataset.statementId)).toEqual([bad.id, good.id]);
    expect(items[0]?.textContent).toContain('1 reports: Spam or advertising (1)');
    const reason = byLabel<HTMLSelectElement>('Reason for hiding statement 0');
    expect([...reason.options].map((o) => o.value)).toEqual([
      'spam',
      'harassment',
      'hate',
      'personal_information',
      'off_topic',
      'duplicate',
    ]);
    reason.value = 'spam';
    submit(reason.closest('form'));
    await settle();
    expect(bad.status).toBe('hidden');
    expect(main().querySelectorAll('.queue-item')).toHaveLength(1);
    const row = main().querySelector<HTMLTableRowElement>('.moderation-log tr[data-action="hide"]');
    expect(row?.textContent).toContain('Spam or advertising');
    expect(row?.textContent).toContain('facilitator');
    expect(row?.textContent).not.toContain('Nadia');

    // Add a translation to the remaining statement.
    button('Add a translation of statement 1').click();
    const language = byLabel<HTMLSelectElement>('Into');
    language.value = 'fr';
    byLabel<HTMLTextAreaElement>('Translation').value = 'Bonne idée.';
    submit(language.closest('form'));
    await settle();
    expect(good.translations).toEqual([{ language: 'fr', text: 'Bonne idée.', source: 'human' }]);

    expect(main().textContent).toContain('No statement has been accepted yet.');
    button('Accept').click();
    await settle();
    expect(good.status).toBe('accepted');
    expect(main().textContent).toContain('Nothing awaits a decision.');
    expect(main().querySelectorAll('.moderation-log tbody tr')).toHaveLength(2);
    // Accepted statements stay listed: they can still be hidden (no second Accept) and translated.
    const accepted = main().querySelector<HTMLElement>('.queue.accepted .queue-item');
    expect(accepted?.dataset.statementId).toBe(good.id);
    expect(accepted?.querySelector('[data-action="accept"]')).toBeNull();
    expect(accepted?.querySelector('[data-action="hide"]')).not.toBeNull();
    expect(accepted?.textContent).toContain('Add a translation of statement 1');
    expect(server.calls.some((c) => c.path.endsWith('/moderation?status=accepted'))).toBe(true);
  });

  it('shows participants the public log only', async () => {
    const { server, dialogueId, token } = world();
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/moderation`);
    expect(main().querySelector('#queue-heading')).toBeNull();
    expect(main().textContent).toContain('No decisions yet.');
    expect(server.calls.some((c) => c.path.endsWith('/moderation'))).toBe(false);
  });
});

describe('results', () => {
  it('says when there are not enough votes yet', async () => {
    const { server, dialogueId, token } = world();
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/results`);
    expect(main().querySelector('#results-empty')?.textContent).toContain('Not enough votes yet');
    expect(main().querySelector('svg')).toBeNull();
  });

  it('draws groups with shapes and hulls, marks you, and gives a table alternative', async () => {
    const { server, dialogueId, convener, token } = world();
    server.addStatement(dialogueId, convener, 'More trees.');
    server.addStatement(dialogueId, convener, 'More cars.');
    server.opinionMap = {
      participants: 50,
      votes: 400,
      statements: 2,
      groups: [
        {
          id: 0,
          size: 25,
          hull: [
            [-2, 0],
            [-1, 1],
            [-1, -1],
          ],
          representative: [{ number: 0, repful_for: 'agree', n_success: 18, n_trials: 25, share: 0.72 }],
        },
        {
          id: 1,
          size: 25,
          hull: [
            [2, 0],
            [1, 1],
            [1, -1],
          ],
          representative: [{ number: 1, repful_for: 'disagree', n_success: 20, n_trials: 25, share: 0.8 }],
        },
      ],
      consensus: { agree: [{ number: 0, n_success: 40, n_trials: 50, share: 0.8 }], disagree: [] },
      points: [
        { x: -1.5, y: 0, group: 0 },
        { x: 1.5, y: 0, group: 1 },
      ],
      me: { x: -1.5, y: 0, group: 0 },
    };
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/results`);

    const svg = main().querySelector('svg.opinion-map')!;
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.getAttribute('aria-label')).toBe(
      'Opinion map of 50 participants in 2 groups: group A, 25 people; group B, 25 people. You are in group A.',
    );
    expect(svg.querySelectorAll('polygon.hull')).toHaveLength(2);
    expect(svg.querySelector('polygon.hull.group-1')?.getAttribute('fill')).toBe('url(#map-pattern-1)');
    // Different shapes per group, not only colours.
    expect(svg.querySelector('.points circle.group-0')).not.toBeNull();
    expect(svg.querySelector('.points rect.group-1')).not.toBeNull();
    expect(svg.querySelector('.me text')?.textContent).toBe('You');
    expect(svg.querySelector('[style]')).toBeNull();

    expect(main().textContent).toContain('72% of group A agree, 18 of 25');
    expect(main().textContent).toContain('80% of group B disagree, 20 of 25');
    expect(main().querySelector('.consensus[data-direction="agree"]')?.textContent).toContain('More trees.');
    expect(main().querySelector('[data-stat="participants"] dd')?.textContent).toBe('50');
    const rows = [...main().querySelectorAll('#groups-table tbody tr')];
    expect(rows.map((r) => r.querySelector('th')?.textContent)).toEqual(['Group A', 'Group B']);
    expect(rows[0]?.textContent).toContain('More trees.');

    const legend = button('Group B (25)');
    legend.click();
    expect(legend.getAttribute('aria-pressed')).toBe('true');
    expect(svg.querySelector('polygon.hull.group-0')?.classList.contains('dimmed')).toBe(true);
    expect(svg.querySelector('polygon.hull.group-1')?.classList.contains('dimmed')).toBe(false);
  });
});

describe('links to the consultation', () => {
  it('lobby links every member to the consultation views', async () => {
    const { server, dialogueId, token } = world();
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}`);
    const hrefs = [...main().querySelectorAll('.link-list a')].map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual([
      `/d/${dialogueId}/consult`,
      `/d/${dialogueId}/results`,
      `/d/${dialogueId}/mine`,
      `/d/${dialogueId}/moderation`,
    ]);
    main().querySelector<HTMLAnchorElement>('#lobby-consult')?.click();
    await settle();
    expect(window.location.pathname).toBe(`/d/${dialogueId}/consult`);
  });

  it('dashboard gives the convener moderation and the Pol.is export with the bearer header', async () => {
    const { server, dialogueId, convenerToken } = world();
    signIn(dialogueId, convenerToken);
    URL.createObjectURL = vi.fn(() => 'blob:http://localhost/zip');
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    await open(server, `/d/${dialogueId}/dashboard`);
    expect(main().querySelector('#dashboard-moderation')?.getAttribute('href')).toBe(`/d/${dialogueId}/moderation`);
    button('Export the consultation').click();
    await settle();
    const call = server.calls.find((c) => c.path.endsWith('/export/polis.zip'));
    expect(call?.auth).toBe(`Bearer ${convenerToken}`);
    expect(main().querySelector('a.download-link')?.getAttribute('download')).toBe(`indaba-${dialogueId}-polis.zip`);
  });

  it('gives facilitators no export', async () => {
    const { server, dialogueId } = world();
    const { token } = server.addMember(dialogueId, 'facilitator', 'Nadia', 'en');
    signIn(dialogueId, token);
    await open(server, `/d/${dialogueId}/dashboard`);
    expect(main().querySelector('#dashboard-moderation')).not.toBeNull();
    expect(main().querySelector('#polis-export')).toBeNull();
  });
});

describe('consultation pages', () => {
  it('label every control and work in Arabic', async () => {
    const { server, dialogueId, convener, token } = world('ar');
    const { token: facToken } = server.addMember(dialogueId, 'facilitator', 'Nadia', 'ar');
    server.addStatement(dialogueId, convener, 'Trees.');
    for (const [path, who] of [
      ['consult', token],
      ['mine', token],
      ['moderation', facToken],
      ['results', token],
    ] as const) {
      signIn(dialogueId, who);
      await open(server, `/d/${dialogueId}/${path}`);
      expect(document.documentElement.dir).toBe('rtl');
      const unlabelled = [...document.querySelectorAll('input, select, textarea')].filter(
        (control) => !document.querySelector(`label[for="${control.id}"]`),
      );
      expect(unlabelled.map((c) => c.outerHTML)).toEqual([]);
      expect(document.querySelectorAll('[style], [onclick]')).toHaveLength(0);
      app?.stop();
    }
  });

  it('explain that the browser has no access without a credential', async () => {
    const { server, dialogueId } = world();
    await open(server, `/d/${dialogueId}/results`);
    expect(main().textContent).toContain('holds no valid key');
    expect(server.calls).toEqual([]);
  });
});

describe('consultation units', () => {
  it('routes the consultation views and nothing else', () => {
    for (const view of ['consult', 'mine', 'moderation', 'results'] as const) {
      expect(matchRoute(`/d/42/${view}`)).toEqual({ name: view, dialogueId: '42' });
      expect(matchRoute(consultPath('a b', view))).toEqual({ name: view, dialogueId: 'a b' });
    }
    expect(matchRoute('/d/42/consult/x')).toEqual({ name: 'notFound' });
  });

  it('fits any cloud of points inside the plot, y upwards', () => {
    const place = scaler([
      [-3, -1],
      [3, 1],
    ]);
    const [x0, y0] = place(-3, -1);
    const [x1, y1] = place(3, 1);
    for (const value of [x0, x1]) expect(value).toBeGreaterThanOrEqual(0);
    for (const value of [x0, x1]) expect(value).toBeLessThanOrEqual(WIDTH);
    for (const value of [y0, y1]) expect(value).toBeLessThanOrEqual(HEIGHT);
    expect(y1).toBeLessThan(y0);
    // A single point (or none) does not divide by zero.
    expect(scaler([[1, 1]])(1, 1).every(Number.isFinite)).toBe(true);
    expect(scaler([])(0, 0).every(Number.isFinite)).toBe(true);
  });

  it('isolates group letters in right-to-left sentences only', () => {
    const ar = { i18n: new I18n('ar') } as unknown as Context;
    const en = { i18n: new I18n('en') } as unknown as Context;
    expect(groupRef(ar, 1)).toBe('\u2068B\u2069');
    expect(groupRef(en, 1)).toBe('B');
  });

  it('samples very large maps evenly and counts characters as code points', () => {
    const many = Array.from({ length: MAX_POINTS * 3 }, (_, i) => ({ x: i, y: 0, group: 0 }));
    const sample = samplePoints(many);
    expect(sample).toHaveLength(MAX_POINTS);
    expect(sample[1]?.x).toBe(3);
    expect(charCount('🌍 ok')).toBe(4);
  });
});
