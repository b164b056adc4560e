// The session's encrypted video and audio meeting, mounted inside the conversation page
// (web/src/conversation/view.ts): the "Join the meeting" button mounts it, its leave
// button unmounts it, and the route `/d/<dialogue>/s/<session>/meeting` opens the
// conversation with the meeting joined.  Frame keys come from the conversation's MLS
// group through a MediaKeySource (the ConversationClient); see docs/media.md.
import type { Context } from '../context';
import { h, replaceChildren } from '../dom';
import type { MessageKey } from '../i18n';
import { languageName } from '../lang';
import type { MediaKeySource } from './keys';
import { type MediaAdmission, Meeting, hearsInterpretation, originalVolume } from './meeting';
import './media.css';

export interface MeetingOptions {
  /** The current epoch's exporter and its changes: the conversation client. */
  keys: MediaKeySource;
  /** POST /api/sessions/{id}/media: a ticket for the session's VideoRoom. */
  admit(): Promise<MediaAdmission>;
  displayName: string;
  /** The reader's language (their profile's): the interpretation they are offered. */
  language?: string;
  /** Called after the person pressed "Leave the meeting" (the meeting is unmounted). */
  onLeave?: () => void;
}

export interface MountedMeeting {
  readonly meeting: Meeting;
  /** Stop the media and remove the meeting's elements. */
  unmount(): void;
}

type MeetingWindow = Window & { indabaMeeting?: Meeting };

const STATE_KEYS: Record<string, MessageKey> = {
  waiting_keys: 'meeting.e2ee_waiting',
  idle: 'meeting.connecting',
  connecting: 'meeting.connecting',
  reconnecting: 'meeting.reconnecting',
  unavailable: 'meeting.unavailable',
  live: 'meeting.live',
};

function stateKey(meeting: Meeting): MessageKey {
  if (meeting.state === 'unsupported') {
    if (meeting.reason === 'no_webrtc') return 'meeting.unsupported_no_webrtc';
    if (meeting.reason === 'no_crypto') return 'meeting.unsupported_no_crypto';
    return 'meeting.unsupported_no_transform';
  }
  if (meeting.state === 'closed') {
    if (meeting.reason === 'removed') return 'meeting.removed';
    if (meeting.reason === 'not_admitted') return 'meeting.not_admitted';
    return 'meeting.closed';
  }
  return STATE_KEYS[meeting.state] ?? 'meeting.connecting';
}

/** Render the meeting into ``container`` and start it; the window gets `indabaMeeting`. */
export function mountMeeting(container: HTMLElement, context: Context, options: MeetingOptions): MountedMeeting {
  const t = context.t.bind(context);
  const meeting = new Meeting({
    admit: options.admit,
    keys: options.keys,
    displayName: options.displayName,
    origin: context.origin,
  });

  const status = h('p', { id: 'meeting-status', role: 'status' });
  const e2ee = h('p', { id: 'meeting-e2ee', class: 'meeting-e2ee' });
  const tiles = h('div', { id: 'meeting-tiles', class: 'meeting-grid' });
  const controls = h('div', { class: 'meeting-controls', role: 'toolbar', 'aria-label': t('meeting.title') });
  const devices = h('p', { class: 'meeting-devices' });
  // Spoken interpretation: the interpreter's voice in the reader's language, not a tile.
  const readerLanguage = options.language || context.i18n.lang;
  const languageLabel = languageName(readerLanguage, context.i18n.lang);
  let interpretationChoice: boolean | null = null; // null: not chosen, on when offered
  let hearing = false;
  const hearButton = h('button', {
    type: 'button',
    id: 'meeting-interpretation-toggle',
    class: 'secondary',
    'aria-pressed': 'false',
  });
  hearButton.textContent = t('meeting.interpretation_hear', { language: languageLabel });
  hearButton.addEventListener('click', () => {
    interpretationChoice = !hearing;
    render();
  });
  const interpretationStatus = h('span', { id: 'meeting-interpretation-status', class: 'hint' });
  const interpretationAudio = h('audio', { id: 'meeting-interpretation-audio', autoplay: true });
  const interpretation = h(
    'p',
    { id: 'meeting-interpretation', class: 'meeting-interpretation', hidden: true },
    hearButton,
    ' ',
    interpretationStatus,
    interpretationAudio,
  );
  let speakerView = false;
  let lastSpeaker: number | null = null;
  let mounted = true;
  const videos = new Map<number, HTMLVideoElement>();
  // Each remote tile asks for the simulcast layer its width needs, again whenever it is
  // resized (grid and speaker view, window size).
  const feedOf = new WeakMap<Element, number>();
  const resizer =
    typeof ResizeObserver === 'function'
      ? new ResizeObserver((entries) => {
          for (const entry of entries) {
            const feed = feedOf.get(entry.target);
            if (feed !== undefined && entry.contentRect.width > 0) void meeting.fitLayer(feed, entry.contentRect.width);
          }
        })
      : null;

  const button = (id: string, label: string, action: () => void | Promise<void>) => {
    const b = h('button', { type: 'button', id, class: 'secondary' }, label);
    b.addEventListener('click', () => void action());
    return b;
  };

  async function deviceSelect(kind: 'audioinput' | 'videoinput', label: string): Promise<HTMLElement> {
    const select = h('select', { id: `meeting-${kind}` });
    const found = await navigator.mediaDevices?.enumerateDevices().catch(() => []);
    for (const device of (found ?? []).filter((d) => d.kind === kind)) {
      select.append(h('option', { value: device.deviceId }, device.label || device.deviceId.slice(0, 8)));
    }
    select.addEventListener('change', () => void meeting.useDevice(kind, select.value));
    return h('label', null, label, ' ', select);
  }

  function leave(): void {
    unmount();
    options.onLeave?.();
  }

  function renderControls(): void {
    const closed = meeting.state === 'closed' || meeting.state === 'unsupported';
    replaceChildren(
      controls,
      ...(closed
        ? []
        : [
            button('meeting-camera', t(meeting.cameraOn ? 'meeting.camera_off' : 'meeting.camera_on'), () =>
              meeting.setCamera(!meeting.cameraOn),
            ),
            button('meeting-mic', t(meeting.micOn ? 'meeting.mic_off' : 'meeting.mic_on'), () =>
              meeting.setMicrophone(!meeting.micOn),
            ),
            button('meeting-hand', t(meeting.hand ? 'meeting.hand_lower' : 'meeting.hand_raise'), () =>
              meeting.setHand(!meeting.hand),
            ),
            button('meeting-screen', t(meeting.screen ? 'meeting.screen_stop' : 'meeting.screen_start'), () =>
              meeting.shareScreen(!meeting.screen),
            ),
            button(
              'meeting-audio-only',
              t(meeting.audioOnly ? 'meeting.audio_only_off' : 'meeting.audio_only_on'),
              () => meeting.setAudioOnly(!meeting.audioOnly),
            ),
            button('meeting-view', t(speakerView ? 'meeting.view_grid' : 'meeting.view_speaker'), () => {
              speakerView = !speakerView;
              render();
            }),
          ]),
      button('meeting-leave', t('meeting.leave'), leave),
    );
  }

  function tile(
    id: number | 'self',
    name: string,
    stream: MediaStream | null,
    flags: { speaking?: boolean; hand?: boolean; paused?: boolean },
  ): HTMLElement {
    const key = id === 'self' ? -1 : id;
    let video = videos.get(key);
    if (!video) {
      video = h('video', { autoplay: true, playsinline: true }) as HTMLVideoElement;
      video.muted = id === 'self';
      videos.set(key, video);
      if (id !== 'self') {
        feedOf.set(video, id);
        resizer?.observe(video);
      }
    }
    if (stream && video.srcObject !== stream) video.srcObject = stream;
    const badges: string[] = [];
    if (flags.hand) badges.push(`✋ ${t('meeting.hand_raised')}`);
    if (flags.speaking) badges.push(t('meeting.speaking'));
    if (flags.paused) badges.push(t('meeting.paused'));
    return h(
      'figure',
      { class: `meeting-tile${flags.speaking ? ' speaking' : ''}`, 'data-feed': String(id) },
      video,
      h('figcaption', { dir: 'auto' }, [name, ...badges].join(' · ')),
    );
  }

  function render(): void {
    if (!mounted) return;
    status.textContent = t(stateKey(meeting));
    status.setAttribute('data-state', meeting.state);
    e2ee.textContent =
      meeting.epoch === null ? t('meeting.e2ee_waiting') : t('meeting.e2ee_on', { epoch: meeting.epoch });
    e2ee.setAttribute('data-mode', meeting.mode ?? 'none');
    e2ee.setAttribute('data-epoch', meeting.epoch === null ? '' : String(meeting.epoch));
    renderControls();
    const remotes = [...meeting.remotes.values()].filter((r) => r.interpretation === null);
    const speaking = remotes.find((r) => r.speaking);
    if (speaking) lastSpeaker = speaking.feed;
    // Speaker view: a shared screen, else who speaks (or spoke last), else someone.
    const featured =
      remotes.find((r) => r.screen) ?? speaking ?? remotes.find((r) => r.feed === lastSpeaker) ?? remotes[0];
    const shown = speakerView ? (featured ? [featured] : []) : remotes;
    tiles.className = speakerView ? 'meeting-speaker' : 'meeting-grid';
    const live = new Set<number>([-1, ...shown.map((r) => r.feed)]);
    for (const [feed, video] of [...videos]) {
      if (live.has(feed)) continue;
      resizer?.unobserve(video);
      videos.delete(feed);
    }
    replaceChildren(
      tiles,
      tile('self', t('meeting.you'), meeting.local, { hand: meeting.hand }),
      ...shown.map((r) =>
        tile(r.feed, r.screen ? t('meeting.screen_of', { name: r.display }) : r.display, r.stream, r),
      ),
    );
    if (resizer === null) {
      for (const remote of shown) {
        const width = videos.get(remote.feed)?.clientWidth ?? 0;
        if (width > 0) void meeting.fitLayer(remote.feed, width);
      }
    }
    renderInterpretation();
  }

  /** Offer, play or stop the interpretation; lower the original speakers while it speaks. */
  function renderInterpretation(): void {
    const feed = meeting.interpretationFeed(readerLanguage);
    const now = hearsInterpretation(interpretationChoice, feed !== null);
    interpretation.hidden = feed === null;
    hearButton.setAttribute('aria-pressed', String(now));
    const stream = now && feed ? feed.stream : null;
    if (interpretationAudio.srcObject !== stream) {
      interpretationAudio.srcObject = stream;
      // play() may refuse (autoplay policy) or be missing: the element autoplays anyway.
      if (stream)
        void Promise.resolve()
          .then(() => interpretationAudio.play())
          .catch(() => undefined);
    }
    if (feed === null) {
      interpretationStatus.textContent = ''; // the interpreter left: nothing to say
    } else if (now !== hearing || interpretationStatus.textContent === '') {
      const note = t(now ? 'meeting.interpretation_on' : 'meeting.interpretation_off', { language: languageLabel });
      interpretationStatus.textContent = note;
      if (now !== hearing) context.announce(note);
    }
    hearing = now;
    const volume = originalVolume(now, feed?.speaking ?? false);
    for (const [feedId, video] of videos) if (feedId !== -1) video.volume = volume;
    interpretation.setAttribute('data-ducked', String(volume < 1));
  }

  function unmount(): void {
    if (!mounted) return;
    mounted = false;
    meeting.onchange = () => undefined;
    meeting.stop();
    resizer?.disconnect();
    for (const video of videos.values()) video.srcObject = null;
    interpretationAudio.srcObject = null;
    videos.clear();
    replaceChildren(container);
    const win = window as MeetingWindow;
    if (win.indabaMeeting === meeting) delete win.indabaMeeting;
  }

  meeting.onchange = render;
  replaceChildren(container, e2ee, status, controls, interpretation, tiles, devices);
  render();
  // The tests (and the console) reach the meeting here: its state, remotes and stats.
  (window as MeetingWindow).indabaMeeting = meeting;
  void meeting.start().then(async () => {
    const selects = await Promise.all([
      deviceSelect('videoinput', t('meeting.camera')),
      deviceSelect('audioinput', t('meeting.microphone')),
    ]);
    if (mounted && meeting.state !== 'unsupported') replaceChildren(devices, selects[0], ' ', selects[1]);
  });
  return { meeting, unmount };
}
