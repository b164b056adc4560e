// Saving a Blob as a file: an <a download> pointing at a blob: URL of our own
// origin (CSP allows navigating to it), clicked for the person. The link
// stays on the page so the file can be saved again; the URL is revoked when
// the page is left.
import { h } from './dom';

export interface SavedFile {
  link: HTMLAnchorElement;
  revoke(): void;
}

export function saveBlob(blob: Blob, filename: string, linkText: string): SavedFile {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, class: 'download-link' }, linkText);
  return {
    link,
    revoke: () => URL.revokeObjectURL(url),
  };
}

/** Start the download of a link made by saveBlob (it must be in the document). */
export function startDownload(link: HTMLAnchorElement): void {
  link.click();
}
