// The meeting's interface strings in the three interface languages (identical keys, tested).
import type { UiLanguage } from '../i18n';

const en = {
  title: 'Meeting',
  back: 'Back to the conversation',
  e2ee_on: 'End-to-end encrypted: frames are encrypted in this browser with the group’s key (epoch {epoch}).',
  e2ee_waiting: 'Waiting for the conversation’s encryption keys…',
  unsupported_no_transform:
    'This browser cannot encrypt video and audio frames, so it cannot join the meeting. Text conversation still works. Try a recent Chromium, Chrome, Edge, Firefox or Safari.',
  unsupported_no_webrtc: 'This browser has no WebRTC, so it cannot join the meeting. Text conversation still works.',
  unsupported_no_crypto:
    'This page is not in a secure context, so frames cannot be encrypted. Text conversation still works.',
  connecting: 'Connecting to the media server…',
  reconnecting: 'Reconnecting to the media server…',
  unavailable: 'The media server is not reachable; text conversation continues. Retrying…',
  live: 'In the meeting',
  closed: 'You left the meeting.',
  removed: 'You are no longer a member of this group: media stopped.',
  camera_on: 'Turn camera on',
  camera_off: 'Turn camera off',
  mic_on: 'Unmute microphone',
  mic_off: 'Mute microphone',
  hand_raise: 'Raise hand',
  hand_lower: 'Lower hand',
  screen_start: 'Share screen',
  screen_stop: 'Stop sharing',
  audio_only_on: 'Audio only (low bandwidth)',
  audio_only_off: 'Show video again',
  view_grid: 'Grid view',
  view_speaker: 'Speaker view',
  leave: 'Leave the meeting',
  join: 'Join the meeting',
  camera: 'Camera',
  microphone: 'Microphone',
  you: 'You',
  hand_raised: 'Hand raised',
  speaking: 'Speaking',
  paused: 'Cannot decrypt this participant’s video: paused',
  screen_of: 'Screen of {name}',
};

type Strings = typeof en;
export type MediaKey = keyof Strings;

const fr: Strings = {
  title: 'Réunion',
  back: 'Retour à la conversation',
  e2ee_on:
    'Chiffré de bout en bout : les images sont chiffrées dans ce navigateur avec la clé du groupe (époque {epoch}).',
  e2ee_waiting: 'En attente des clés de chiffrement de la conversation…',
  unsupported_no_transform:
    'Ce navigateur ne sait pas chiffrer les images et le son : il ne peut pas rejoindre la réunion. La conversation écrite fonctionne toujours. Essayez un Chromium, Chrome, Edge, Firefox ou Safari récent.',
  unsupported_no_webrtc:
    'Ce navigateur n’a pas WebRTC : il ne peut pas rejoindre la réunion. La conversation écrite fonctionne toujours.',
  unsupported_no_crypto:
    'Cette page n’est pas dans un contexte sécurisé : impossible de chiffrer. La conversation écrite fonctionne toujours.',
  connecting: 'Connexion au serveur média…',
  reconnecting: 'Reconnexion au serveur média…',
  unavailable: 'Le serveur média est injoignable ; la conversation écrite continue. Nouvel essai…',
  live: 'En réunion',
  closed: 'Vous avez quitté la réunion.',
  removed: 'Vous n’êtes plus membre de ce groupe : le média est arrêté.',
  camera_on: 'Allumer la caméra',
  camera_off: 'Éteindre la caméra',
  mic_on: 'Activer le micro',
  mic_off: 'Couper le micro',
  hand_raise: 'Lever la main',
  hand_lower: 'Baisser la main',
  screen_start: 'Partager l’écran',
  screen_stop: 'Arrêter le partage',
  audio_only_on: 'Audio seulement (faible débit)',
  audio_only_off: 'Réafficher la vidéo',
  view_grid: 'Vue en grille',
  view_speaker: 'Vue orateur',
  leave: 'Quitter la réunion',
  join: 'Rejoindre la réunion',
  camera: 'Caméra',
  microphone: 'Micro',
  you: 'Vous',
  hand_raised: 'Main levée',
  speaking: 'Parle',
  paused: 'Impossible de déchiffrer la vidéo de cette personne : en pause',
  screen_of: 'Écran de {name}',
};

const ar: Strings = {
  title: 'اجتماع',
  back: 'العودة إلى المحادثة',
  e2ee_on: 'مشفّر من طرف إلى طرف: تُشفَّر الإطارات في هذا المتصفح بمفتاح المجموعة (الحقبة {epoch}).',
  e2ee_waiting: 'في انتظار مفاتيح تشفير المحادثة…',
  unsupported_no_transform:
    'لا يستطيع هذا المتصفح تشفير إطارات الصوت والصورة، لذا لا يمكنه الانضمام إلى الاجتماع. المحادثة النصية ما زالت تعمل. جرّب إصدارًا حديثًا من Chromium أو Chrome أو Edge أو Firefox أو Safari.',
  unsupported_no_webrtc:
    'لا يدعم هذا المتصفح WebRTC، لذا لا يمكنه الانضمام إلى الاجتماع. المحادثة النصية ما زالت تعمل.',
  unsupported_no_crypto: 'هذه الصفحة ليست في سياق آمن، فلا يمكن التشفير. المحادثة النصية ما زالت تعمل.',
  connecting: 'جارٍ الاتصال بخادم الوسائط…',
  reconnecting: 'جارٍ إعادة الاتصال بخادم الوسائط…',
  unavailable: 'خادم الوسائط غير متاح؛ المحادثة النصية مستمرة. إعادة المحاولة…',
  live: 'في الاجتماع',
  closed: 'غادرت الاجتماع.',
  removed: 'لم تعد عضوًا في هذه المجموعة: توقفت الوسائط.',
  camera_on: 'تشغيل الكاميرا',
  camera_off: 'إيقاف الكاميرا',
  mic_on: 'تشغيل الميكروفون',
  mic_off: 'كتم الميكروفون',
  hand_raise: 'رفع اليد',
  hand_lower: 'خفض اليد',
  screen_start: 'مشاركة الشاشة',
  screen_stop: 'إيقاف المشاركة',
  audio_only_on: 'صوت فقط (نطاق ترددي منخفض)',
  audio_only_off: 'إظهار الفيديو مجددًا',
  view_grid: 'عرض الشبكة',
  view_speaker: 'عرض المتحدث',
  leave: 'مغادرة الاجتماع',
  join: 'الانضمام إلى الاجتماع',
  camera: 'الكاميرا',
  microphone: 'الميكروفون',
  you: 'أنت',
  hand_raised: 'يد مرفوعة',
  speaking: 'يتحدث',
  paused: 'تعذّر فك تشفير فيديو هذا المشارك: متوقف مؤقتًا',
  screen_of: 'شاشة {name}',
};

export const MEDIA_STRINGS: Record<UiLanguage, Strings> = { en, fr, ar };

export function mediaText(language: string, key: MediaKey, params: Record<string, string | number> = {}): string {
  const table = MEDIA_STRINGS[(language in MEDIA_STRINGS ? language : 'en') as UiLanguage];
  return table[key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}
