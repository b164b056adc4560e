// The meeting view mounted on its own in jsdom (no WebRTC there): it says why it cannot
// join, keeps the leave button, and unmounting removes it and `window.indabaMeeting`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Context } from '../src/context';
import { I18n } from '../src/i18n';
import { PushedKeySource } from '../src/media/keys';
import { mountMeeting } from '../src/media/view';

function context(lang: 'en' | 'fr' = 'en'): Context {
  const i18n = new I18n(lang);
  return {
    i18n,
    t: i18n.t.bind(i18n),
    origin: 'https://indaba.test',
    announce: vi.fn(),
    setTitle: vi.fn(),
    navigate: vi.fn(),
    suggestLanguage: vi.fn(),
    isActive: () => true,
    onCleanup: vi.fn(),
  } as unknown as Context;
}

type MeetingWindow = Window & { indabaMeeting?: unknown };

afterEach(() => {
  document.body.innerHTML = '';
});

describe('mountMeeting', () => {
  it('renders the status, the encryption line and a leave button that unmounts it', async () => {
    const container = document.createElement('div');
    document.body.append(container);
    const admit = vi.fn(() => Promise.reject(new Error('not expected')));
    const onLeave = vi.fn();
    const mounted = mountMeeting(container, context('fr'), {
      keys: new PushedKeySource(),
      admit,
      displayName: 'Pia',
      onLeave,
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((window as MeetingWindow).indabaMeeting).toBe(mounted.meeting);
    const status = container.querySelector('#meeting-status')!;
    expect(status.getAttribute('data-state')).toBe('unsupported');
    expect(status.textContent).toContain('WebRTC');
    expect(container.querySelector('#meeting-e2ee')!.getAttribute('data-mode')).toBe('none');
    expect(container.querySelector('figure[data-feed="self"]')).not.toBeNull();
    const leave = container.querySelector<HTMLButtonElement>('#meeting-leave')!;
    expect(leave.textContent).toBe('Quitter la réunion');
    leave.click();
    expect(container.childElementCount).toBe(0);
    expect(onLeave).toHaveBeenCalledOnce();
    expect((window as MeetingWindow).indabaMeeting).toBeUndefined();
    expect(mounted.meeting.state).toBe('closed');
    expect(admit).not.toHaveBeenCalled();
  });
});
