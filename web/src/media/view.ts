// `/d/<dialogue>/s/<session>/meeting`: the session's encrypted video and audio meeting.
//
// Keys come from the conversation's MLS group through a MediaKeySource.  Until the
// conversation view hands its epochs over directly, the page listens for them on the
// `indaba:media-epoch` window event ({epoch, senderIndex, secret: number[]}), which the
// conversation client (same origin, same page) dispatches; see docs/media.md.
import type { Context } from '../context';
import { h, replaceChildren } from '../dom';
import { conversationPath } from '../router';
import { type MediaAdmission, Meeting } from './meeting';
import { PushedKeySource } from './keys';
import { type MediaKey, mediaText } from './strings';
import './media.css';

export const EPOCH_EVENT = 'indaba:media-epoch';

export async function meetingPage(
  root: HTMLElement,
  context: Context,
  dialogueId: string,
  sessionId: string,
): Promise<void> {
  const lang = context.i18n.lang;
  const t = (key: MediaKey, params?: Record<string, string | number>) => mediaText(lang, key, params);
  context.setTitle(t('title'));
  const token = context.credentials.get(dialogueId);
  const me = token ? await context.api.me(token).catch(() => null) : null;
  if (!context.isActive()) return;
  const keys = new PushedKeySource();
  const onEpoch = (event: Event) => {
    const detail = (event as CustomEvent).detail as { epoch: number; senderIndex: number; secret: number[] } | null;
    if (detail === null) keys.push(null);
    else keys.pushSecret(detail.epoch, detail.senderIndex, new Uint8Array(detail.secret));
  };
  window.addEventListener(EPOCH_EVENT, onEpoch);
  context.onCleanup(() => window.removeEventListener(EPOCH_EVENT, onEpoch));

  const meeting = new Meeting({
    admit: async () => {
      return context.api.request<MediaAdmission>('POST', `/sessions/${encodeURIComponent(sessionId)}/media`, {
        token: token ?? '',
      });
    },
    keys,
    displayName: me?.member.display_name ?? '',
    origin: context.origin,
  });
  context.onCleanup(() => meeting.stop());

  const status = h('p', { id: 'meeting-status', role: 'status' });
  const e2ee = h('p', { id: 'meeting-e2ee', class: 'meeting-e2ee' });
  const tiles = h('div', { id: 'meeting-tiles', class: 'meeting-grid' });
  const controls = h('div', { class: 'meeting-controls', role: 'toolbar' });
  let speakerView = false;
  const videos = new Map<number, HTMLVideoElement>();

  const button = (id: string, label: string, action: () => void | Promise<void>) => {
    const b = h('button', { type: 'button', id }, label);
    b.addEventListener('click', () => void action());
    return b;
  };

  async function deviceSelect(kind: 'audioinput' | 'videoinput', label: string): Promise<HTMLElement> {
    const select = h('select', { id: `meeting-${kind}` });
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    for (const device of devices.filter((d) => d.kind === kind)) {
      select.append(h('option', { value: device.deviceId }, device.label || device.deviceId.slice(0, 8)));
    }
    select.addEventListener('change', () => void meeting.useDevice(kind, select.value));
    return h('label', null, label, ' ', select);
  }

  function renderControls(): void {
    replaceChildren(
      controls,
      button('meeting-camera', t(meeting.cameraOn ? 'camera_off' : 'camera_on'), () =>
        meeting.setCamera(!meeting.cameraOn),
      ),
      button('meeting-mic', t(meeting.micOn ? 'mic_off' : 'mic_on'), () => meeting.setMicrophone(!meeting.micOn)),
      button('meeting-hand', t(meeting.hand ? 'hand_lower' : 'hand_raise'), () => meeting.setHand(!meeting.hand)),
      button('meeting-screen', t(meeting.screen ? 'screen_stop' : 'screen_start'), () =>
        meeting.shareScreen(!meeting.screen),
      ),
      button('meeting-audio-only', t(meeting.audioOnly ? 'audio_only_off' : 'audio_only_on'), () =>
        meeting.setAudioOnly(!meeting.audioOnly),
      ),
      button('meeting-view', t(speakerView ? 'view_grid' : 'view_speaker'), () => {
        speakerView = !speakerView;
        render();
      }),
      button('meeting-leave', t('leave'), () => meeting.stop()),
    );
  }

  function tile(
    id: number | 'self',
    name: string,
    stream: MediaStream | null,
    flags: { speaking?: boolean; hand?: boolean; paused?: boolean },
  ) {
    const key = id === 'self' ? -1 : id;
    let video = videos.get(key);
    if (!video) {
      video = h('video', { autoplay: true, playsinline: true }) as HTMLVideoElement;
      video.muted = id === 'self';
      videos.set(key, video);
    }
    if (stream && video.srcObject !== stream) video.srcObject = stream;
    const badges: string[] = [];
    if (flags.hand) badges.push(`✋ ${t('hand_raised')}`);
    if (flags.speaking) badges.push(t('speaking'));
    if (flags.paused) badges.push(t('paused'));
    const el = h(
      'figure',
      { class: `meeting-tile${flags.speaking ? ' speaking' : ''}`, 'data-feed': String(id) },
      video,
      h('figcaption', { dir: 'auto' }, [name, ...badges].join(' · ')),
    );
    return el;
  }

  function render(): void {
    const state = meeting.state;
    const stateKey: MediaKey =
      state === 'unsupported'
        ? meeting.reason === 'no_webrtc'
          ? 'unsupported_no_webrtc'
          : meeting.reason === 'no_crypto'
            ? 'unsupported_no_crypto'
            : 'unsupported_no_transform'
        : state === 'waiting_keys'
          ? 'e2ee_waiting'
          : state === 'closed'
            ? meeting.reason === 'removed'
              ? 'removed'
              : 'closed'
            : state === 'idle'
              ? 'connecting'
              : state;
    status.textContent = t(stateKey);
    status.setAttribute('data-state', state);
    e2ee.textContent = meeting.epoch === null ? t('e2ee_waiting') : t('e2ee_on', { epoch: meeting.epoch });
    e2ee.setAttribute('data-mode', meeting.mode ?? 'none');
    renderControls();
    const remotes = [...meeting.remotes.values()];
    const shown = speakerView ? remotes.filter((r) => r.speaking || r.screen).slice(0, 1) : remotes;
    tiles.className = speakerView ? 'meeting-speaker' : 'meeting-grid';
    replaceChildren(
      tiles,
      tile('self', t('you'), meeting.local, { hand: meeting.hand }),
      ...shown.map((r) => tile(r.feed, r.screen ? t('screen_of', { name: r.display }) : r.display, r.stream, r)),
    );
    for (const remote of shown) {
      const width = videos.get(remote.feed)?.clientWidth ?? 0;
      if (width > 0) void meeting.fitLayer(remote.feed, width);
    }
  }

  meeting.onchange = render;
  replaceChildren(
    root,
    h('h1', { tabindex: -1 }, t('title')),
    e2ee,
    status,
    controls,
    tiles,
    h('p', null, await deviceSelect('videoinput', t('camera')), ' ', await deviceSelect('audioinput', t('microphone'))),
    h('p', null, h('a', { href: conversationPath(dialogueId, sessionId) }, t('back'))),
  );
  render();
  await meeting.start();
  (window as unknown as { indabaMeeting?: Meeting }).indabaMeeting = meeting;
}
