// The pages, driven in jsdom against the in-memory FakeServer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Api } from '../src/api';
import { App, LANGUAGE_KEY } from '../src/app';
import { CREDENTIALS_KEY } from '../src/credentials';
import { FakeServer } from './fakeServer';

const SHELL = `
  <a id="skip-link" href="#main"></a>
  <header id="site-header"></header>
  <main id="main" tabindex="-1"></main>
  <div id="announcer" role="status" aria-live="polite"></div>
  <footer id="site-footer"></footer>`;

let app: App | null = null;

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
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
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim().startsWith(text));
  if (!found) throw new Error(`no button "${text}"`);
  return found;
}

function submit(form: HTMLFormElement | null): void {
  form?.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
}

beforeEach(() => {
  localStorage.clear();
});

afterEach(() => {
  app?.stop();
  app = null;
});

describe('invite landing', () => {
  it('previews the dialogue and joins with a name and language only', async () => {
    const server = new FakeServer();
    const { dialogue } = server.addDialogue();
    const session = server.addSession(dialogue.id, { topic: 'Housing' });
    const invite = server.addInvite(dialogue.id, { session_id: session.id });
    await open(server, `/i/${invite.token}`);

    const text = main().textContent ?? '';
    expect(text).toContain('Our cities in 2050');
    expect(text).toContain('What should change?');
    expect(text).toContain('Housing');
    expect(text).toContain('as a participant');
    expect(text).toContain('No account, no e-mail, no phone number');
    // No field asks for anything but a name and a language.
    const names = [...main().querySelectorAll('input, select')].map((el) => el.getAttribute('name'));
    expect(names).toEqual(['display_name', 'language', 'language_other']);

    byLabel<HTMLInputElement>('Display name').value = 'Ama';
    byLabel<HTMLSelectElement>('Your language').value = 'fr';
    const historyLength = window.history.length;
    submit(main().querySelector('form'));
    await settle();

    expect(window.location.pathname).toBe(`/d/${dialogue.id}`);
    expect(window.history.length).toBe(historyLength); // the invite page was replaced
    const accept = server.calls.find((c) => c.path === '/api/invites/accept');
    expect(accept?.body).toEqual({ token: invite.token, display_name: 'Ama', language: 'fr' });
    expect(accept?.auth).toBeNull();
    const stored = JSON.parse(localStorage.getItem(CREDENTIALS_KEY) ?? '{}') as Record<string, string>;
    expect(Object.keys(stored)).toEqual([dialogue.id]);
    // Member language fr → interface switches to French in the lobby.
    expect(document.documentElement.lang).toBe('fr');
    expect(main().textContent).toContain('Vous êtes Ama, participant ou participante.');
    expect(main().querySelector('li.session h3')?.textContent).toBe('Housing');
  });

  it('sends the credential it already holds and resumes the same member', async () => {
    const server = new FakeServer();
    const { dialogue } = server.addDialogue();
    const { token } = server.addMember(dialogue.id, 'participant', 'Kofi', 'en');
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogue.id]: token }));
    const invite = server.addInvite(dialogue.id);
    await open(server, `/i/${invite.token}`);

    expect(main().textContent).toContain('already joined this dialogue as Kofi');
    expect(byLabel<HTMLInputElement>('Display name').value).toBe('Kofi');
    submit(main().querySelector('form'));
    await settle();
    const accept = server.calls.find((c) => c.path === '/api/invites/accept');
    expect(accept?.auth).toBe(`Bearer ${token}`);
    expect(window.location.pathname).toBe(`/d/${dialogue.id}`);
    expect(invite.uses).toBe(0);
  });

  it.each([
    ['revoked', { revoked: true }, 'invite_revoked', 'This invite was revoked.'],
    ['expired', { expires_at: '2020-01-01T00:00:00Z' }, 'invite_expired', 'This invite has expired.'],
  ])('shows the server error for a %s invite', async (_name, overrides, code, message) => {
    const server = new FakeServer();
    const { dialogue } = server.addDialogue();
    const invite = server.addInvite(dialogue.id, overrides);
    await open(server, `/i/${invite.token}`);
    const alert = main().querySelector<HTMLElement>('[role="alert"]');
    expect(alert?.dataset.code).toBe(code);
    expect(alert?.textContent).toContain(message);
    expect(main().querySelector('form')).toBeNull();
  });

  it('shows an unknown invite as not found', async () => {
    await open(new FakeServer(), '/i/nope');
    expect(main().querySelector<HTMLElement>('[role="alert"]')?.dataset.code).toBe('invite_not_found');
  });

  it('flags the display name the server refused', async () => {
    const server = new FakeServer();
    const { dialogue } = server.addDialogue();
    const invite = server.addInvite(dialogue.id);
    await open(server, `/i/${invite.token}`);
    const name = byLabel<HTMLInputElement>('Display name');
    name.value = '   ';
    submit(main().querySelector('form'));
    await settle();
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(name);
    expect(main().querySelector('.form-error')?.textContent).toContain('1 to 64');
    expect(server.calls.some((c) => c.path === '/api/invites/accept')).toBe(false);
  });
});

describe('lobby', () => {
  it('lists sessions with capacity, schedule, facilitator and join state', async () => {
    const server = new FakeServer();
    const { dialogue } = server.addDialogue();
    const { member: fac } = server.addMember(dialogue.id, 'facilitator', 'Nadia', 'ar');
    const { token } = server.addMember(dialogue.id, 'participant', 'Ama', 'en');
    server.addSession(dialogue.id, { topic: 'Water', capacity: 2, participant_count: 2 });
    server.addSession(dialogue.id, { topic: 'Food', facilitator: { id: fac.id, display_name: 'Nadia' } });
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogue.id]: token }));
    await open(server, `/d/${dialogue.id}`);

    const items = [...main().querySelectorAll<HTMLLIElement>('li.session')];
    expect(items.map((li) => li.querySelector('h3')?.textContent)).toEqual(['Water', 'Food']);
    const [water, food] = items;
    expect(water?.textContent).toContain('2 / 2');
    expect(water?.querySelector('button')?.textContent).toBe('Full');
    expect(water?.querySelector('button')?.disabled).toBe(true);
    expect(food?.textContent).toContain('Nadia');
    expect(food?.textContent).toContain('0 / 5');

    food?.querySelector('button')?.click();
    await settle();
    const refreshed = main().querySelector<HTMLLIElement>(`li.session[data-session-id="${food?.dataset.sessionId}"]`);
    expect(refreshed?.textContent).toContain('1 / 5');
    expect(refreshed?.querySelector('button')?.textContent).toBe('Leave');
    expect(refreshed?.textContent).toContain('You have joined this session.');
  });

  it('explains that the browser has no access without a credential', async () => {
    const server = new FakeServer();
    const { dialogue } = server.addDialogue();
    await open(server, `/d/${dialogue.id}`);
    expect(main().textContent).toContain('holds no valid key');
    expect(server.calls).toEqual([]);
  });
});

describe('dashboard', () => {
  it('creates a session and an invite, shows the URL once, and revokes', async () => {
    const server = new FakeServer();
    const { dialogue, token } = server.addDialogue();
    server.addMember(dialogue.id, 'facilitator', 'Nadia', 'ar');
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogue.id]: token }));
    await open(server, `/d/${dialogue.id}/dashboard`);

    expect(main().querySelector('[data-stat="conveners"] dd')?.textContent).toBe('1');
    expect(main().querySelector('[data-stat="facilitators"] dd')?.textContent).toBe('1');

    byLabel<HTMLInputElement>('Topic').value = 'Energy';
    byLabel<HTMLSelectElement>('Facilitator').selectedIndex = 1;
    submit(document.getElementById('session-submit')?.closest('form') ?? null);
    await settle();
    const created = server.calls.find((c) => c.method === 'POST' && c.path.endsWith('/sessions'));
    expect(created?.body).toMatchObject({ topic: 'Energy', languages: ['en', 'fr', 'ar'], capacity: 8 });
    expect((created?.body as { facilitator_id?: string }).facilitator_id).toMatch(/^m/);
    expect(main().querySelector('[data-stat="sessions"] dd')?.textContent).toBe('1');

    const sessionChoice = byLabel<HTMLSelectElement>('Session');
    expect([...sessionChoice.options].map((o) => o.textContent)).toEqual(['The whole dialogue', 'Energy']);
    byLabel<HTMLInputElement>('Maximum uses').value = '3';
    submit(document.getElementById('invite-submit')?.closest('form') ?? null);
    await settle();
    const url = (document.getElementById('invite-url') as HTMLInputElement).value;
    expect(url).toMatch(new RegExp(`^${window.location.origin}/i/inv-\\d+$`));
    const row = main().querySelector<HTMLTableRowElement>('tr[data-status="active"]');
    expect(row?.textContent).toContain('0 of 3');

    row?.querySelector('button')?.click();
    await settle();
    expect(main().querySelector('tr[data-status="revoked"]')).not.toBeNull();
    expect(main().querySelector('[data-stat="invites_revoked"] dd')?.textContent).toBe('1');
  });

  it('refuses participants', async () => {
    const server = new FakeServer();
    const { dialogue } = server.addDialogue();
    const { token } = server.addMember(dialogue.id, 'participant', 'Ama', 'en');
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogue.id]: token }));
    await open(server, `/d/${dialogue.id}/dashboard`);
    expect(main().textContent).toContain('Only the convener and facilitators');
    expect(main().querySelector('form')).toBeNull();
  });
});

describe('home', () => {
  it('creates a dialogue, stores the credential and opens the dashboard', async () => {
    const server = new FakeServer();
    await open(server, '/');
    byLabel<HTMLInputElement>('Title').value = 'Climate futures';
    byLabel<HTMLInputElement>('Question 1').value = 'What worries you?';
    button('Add a question').click();
    byLabel<HTMLInputElement>('Question 2').value = 'What gives you hope?';
    byLabel<HTMLInputElement>('Other language codes').value = 'sw, pt-BR';
    byLabel<HTMLInputElement>('Your display name').value = 'Lead';
    submit(main().querySelector('form'));
    await settle();

    const call = server.calls.find((c) => c.method === 'POST' && c.path === '/api/dialogues');
    const body = call?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      title: 'Climate futures',
      prompts: ['What worries you?', 'What gives you hope?'],
      languages: ['en', 'sw', 'pt-BR'],
      convener: { display_name: 'Lead', language: 'en' },
    });
    expect(String(body.opens_at)).toMatch(/Z$/);
    expect(window.location.pathname).toMatch(/^\/d\/d\d+\/dashboard$/);
    expect(Object.keys(JSON.parse(localStorage.getItem(CREDENTIALS_KEY) ?? '{}'))).toHaveLength(1);
  });

  it('limits prompts to between 1 and 10 rows', async () => {
    await open(new FakeServer(), '/');
    expect(button('Remove question 1').disabled).toBe(true);
    for (let i = 0; i < 12; i += 1) button('Add a question').click();
    expect(main().querySelectorAll('input[name="prompts"]')).toHaveLength(10);
    expect(button('Add a question').disabled).toBe(true);
  });

  it('refuses a bad language code before asking the server', async () => {
    const server = new FakeServer();
    await open(server, '/');
    byLabel<HTMLInputElement>('Title').value = 'T';
    byLabel<HTMLInputElement>('Question 1').value = 'Q';
    byLabel<HTMLInputElement>('Other language codes').value = 'english!';
    byLabel<HTMLInputElement>('Your display name').value = 'Lead';
    submit(main().querySelector('form'));
    await settle();
    expect(main().querySelector('.form-error')?.textContent).toContain('“english!” is not a language code');
    expect(byLabel<HTMLInputElement>('Other language codes').getAttribute('aria-invalid')).toBe('true');
    expect(server.calls.some((c) => c.path === '/api/dialogues')).toBe(false);
  });

  it('asks for the creation key when the server requires one', async () => {
    const server = new FakeServer();
    server.creationRequiresKey = true;
    await open(server, '/');
    expect(byLabel<HTMLInputElement>('Creation key').type).toBe('password');
  });

  it('lists the dialogues this browser holds credentials for', async () => {
    const server = new FakeServer();
    const { dialogue, token } = server.addDialogue({ title: 'Mine' });
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogue.id]: token, gone: 'stale' }));
    await open(server, '/');
    expect(main().querySelector(`[data-dialogue-id="${dialogue.id}"] a`)?.textContent).toBe('Mine');
    button('Forget it').click();
    expect(JSON.parse(localStorage.getItem(CREDENTIALS_KEY) ?? '{}')).toEqual({ [dialogue.id]: token });
  });
});

describe('shell', () => {
  it('switches to Arabic, right to left, and remembers the choice', async () => {
    await open(new FakeServer(), '/');
    const select = document.getElementById('ui-language') as HTMLSelectElement;
    select.value = 'ar';
    select.dispatchEvent(new Event('change'));
    await settle();
    expect(document.documentElement.lang).toBe('ar');
    expect(document.documentElement.dir).toBe('rtl');
    expect(main().querySelector('h2#create-heading')?.textContent).toBe('أنشئ حوارًا');
    expect(localStorage.getItem(LANGUAGE_KEY)).toBe('ar');
  });

  it('routes links through the History API', async () => {
    await open(new FakeServer(), '/nowhere');
    expect(main().querySelector('h1')?.textContent).toBe('Page not found');
    main().querySelector('a')?.click();
    await settle();
    expect(window.location.pathname).toBe('/');
    expect(document.activeElement?.tagName).toBe('H1');
  });

  it('labels every form control', async () => {
    const server = new FakeServer();
    const { dialogue, token } = server.addDialogue();
    const invite = server.addInvite(dialogue.id);
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogue.id]: token }));
    for (const path of ['/', `/i/${invite.token}`, `/d/${dialogue.id}`, `/d/${dialogue.id}/dashboard`]) {
      await open(server, path);
      const unlabelled = [...document.querySelectorAll('input, select, textarea')].filter(
        (control) => !document.querySelector(`label[for="${control.id}"]`),
      );
      expect(unlabelled.map((c) => c.outerHTML)).toEqual([]);
      // No clickable non-buttons: every action is a <button> or a link.
      expect(document.querySelectorAll('[onclick], div[role="button"], span[role="button"]')).toHaveLength(0);
      app?.stop();
    }
  });
});

describe('facilitator dashboard', () => {
  it('creates sessions the facilitator facilitates and invites participants to their own sessions', async () => {
    const server = new FakeServer();
    const { dialogue } = server.addDialogue();
    const { member, token } = server.addMember(dialogue.id, 'facilitator', 'Nadia', 'en');
    server.addSession(dialogue.id, { topic: 'Theirs', facilitator: { id: member.id, display_name: 'Nadia' } });
    server.addSession(dialogue.id, { topic: 'Someone else’s' });
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogue.id]: token }));
    await open(server, `/d/${dialogue.id}/dashboard`);

    expect(main().querySelector('[data-stat]')).toBeNull();
    expect(document.getElementById('session-facilitator')).toBeNull();
    expect(main().textContent).toContain('You will facilitate the sessions you create.');
    expect([...byLabel<HTMLSelectElement>('Invite as').options].map((o) => o.value)).toEqual(['participant']);
    expect([...byLabel<HTMLSelectElement>('Session').options].map((o) => o.textContent)).toEqual([
      'The whole dialogue',
      'Theirs',
    ]);

    byLabel<HTMLInputElement>('Topic').value = 'Mine too';
    submit(document.getElementById('session-submit')?.closest('form') ?? null);
    await settle();
    const created = server.calls.find((c) => c.method === 'POST' && c.path.endsWith('/sessions'));
    expect(created?.body).not.toHaveProperty('facilitator_id');
  });

  it('lets a convener name themselves as facilitator', async () => {
    const server = new FakeServer();
    const { dialogue, token, convener } = server.addDialogue();
    localStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ [dialogue.id]: token }));
    await open(server, `/d/${dialogue.id}/dashboard`);
    const choices = [...byLabel<HTMLSelectElement>('Facilitator').options];
    expect(choices.map((o) => o.textContent)).toEqual(['No facilitator', 'Convener (you)']);
    expect(choices[1]?.value).toBe(convener.id);
  });
});
