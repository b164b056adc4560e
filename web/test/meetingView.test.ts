// The meeting view mounted on its own in jsdom (no WebRTC there): it says why it cannot
// join, keeps the leave button, and unmounting removes it and `window.indabaMeeting`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Context } from '../src/context';
import { I18n } from '../src/i18n';
import { PushedKeySource } from '../src/media/keys';
import { DUCKED_VOLUME, type Remote } from '../src/media/meeting';
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

/** A remote feed as Meeting keeps it (no WebRTC in jsdom: only what the view reads). */
function remote(feed: number, display: string, interpretation: string | null): Remote {
  return {
    feed,
    display,
    handle: 0,
    pc: { close: () => undefined } as unknown as RTCPeerConnection,
    stream: { id: `stream-${feed}` } as unknown as MediaStream,
    speaking: false,
    hand: false,
    screen: false,
    paused: false,
    undecryptableSince: null,
    frames: { ok: 0, failed: 0 },
    audio: { energy: 0, duration: 0 },
    level: 0,
    substream: 2,
    layer: 2,
    started: true,
    interpretation,
  };
}

describe('spoken interpretation in the meeting view', () => {
  function mountWith(language: string, feeds: Remote[]) {
    const container = document.createElement('div');
    document.body.append(container);
    const ctx = context('en');
    const mounted = mountMeeting(container, ctx, {
      keys: new PushedKeySource(),
      admit: () => Promise.reject(new Error('not expected')),
      displayName: 'Beatriz',
      language,
    });
    for (const feed of feeds) mounted.meeting.remotes.set(feed.feed, feed);
    mounted.meeting.onchange();
    return { container, ctx, mounted };
  }

  it('plays the reader’s interpretation instead of a tile and ducks the speakers while it speaks', () => {
    const speaker = remote(3, 'Alice', null);
    const voice = remote(7, 'Interpreter (es)', 'es');
    const french = remote(8, 'Interpreter (fr)', 'fr');
    const { container, ctx, mounted } = mountWith('es', [speaker, voice, french]);
    // the interpreter's voices are not tiles
    expect(container.querySelector('figure[data-feed="3"]')).not.toBeNull();
    expect(container.querySelector('figure[data-feed="7"]')).toBeNull();
    expect(container.querySelector('figure[data-feed="8"]')).toBeNull();
    const offer = container.querySelector<HTMLElement>('#meeting-interpretation')!;
    const toggle = container.querySelector<HTMLButtonElement>('#meeting-interpretation-toggle')!;
    const audio = container.querySelector<HTMLAudioElement>('#meeting-interpretation-audio')!;
    const video = container.querySelector<HTMLVideoElement>('figure[data-feed="3"] video')!;
    expect(offer.hidden).toBe(false);
    expect(toggle.textContent).toBe('Hear interpretation in Spanish');
    // on by default: a feed in the reader's language exists
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    expect(audio.srcObject).toBe(voice.stream);
    expect(ctx.announce).toHaveBeenCalledWith(expect.stringContaining('Interpretation in Spanish is playing'));
    expect(video.volume).toBe(1); // the interpreter is quiet: the original at full volume
    voice.speaking = true;
    mounted.meeting.onchange();
    expect(video.volume).toBe(DUCKED_VOLUME);
    expect(offer.getAttribute('data-ducked')).toBe('true');
    // off: the original only, at full volume, and it is said
    toggle.click();
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    expect(audio.srcObject).toBeNull();
    expect(video.volume).toBe(1);
    expect(container.querySelector('#meeting-interpretation-status')!.textContent).toContain('Original audio only');
    expect(ctx.announce).toHaveBeenLastCalledWith(expect.stringContaining('Original audio only'));
    // and on again, by keyboard as by mouse (a button)
    toggle.click();
    expect(audio.srcObject).toBe(voice.stream);
    expect(video.volume).toBe(DUCKED_VOLUME);
    mounted.unmount();
  });

  it('offers nothing when no interpretation into the reader’s language exists', () => {
    const { container, mounted } = mountWith('en', [remote(3, 'Alice', null), remote(7, 'Interpreter (es)', 'es')]);
    expect(container.querySelector<HTMLElement>('#meeting-interpretation')!.hidden).toBe(true);
    expect(container.querySelector<HTMLAudioElement>('#meeting-interpretation-audio')!.srcObject ?? null).toBeNull();
    expect(container.querySelector('figure[data-feed="7"]')).toBeNull();
    mounted.unmount();
  });
});
