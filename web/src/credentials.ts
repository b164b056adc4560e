// The browser's bearer tokens, one per dialogue, kept in localStorage under
// `indaba.credentials` as {dialogue_id: token}. Tokens are never logged.

export const CREDENTIALS_KEY = 'indaba.credentials';

export type Credentials = Record<string, string>;

export class CredentialStore {
  constructor(private readonly storage: Storage) {}

  all(): Credentials {
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.storage.getItem(CREDENTIALS_KEY) ?? '{}');
    } catch {
      return {};
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const result: Credentials = {};
    for (const [dialogueId, token] of Object.entries(parsed)) {
      if (typeof token === 'string' && token !== '') result[dialogueId] = token;
    }
    return result;
  }

  get(dialogueId: string): string | null {
    return this.all()[dialogueId] ?? null;
  }

  set(dialogueId: string, token: string): void {
    const all = this.all();
    all[dialogueId] = token;
    this.write(all);
  }

  remove(dialogueId: string): void {
    const all = this.all();
    delete all[dialogueId];
    this.write(all);
  }

  private write(all: Credentials): void {
    this.storage.setItem(CREDENTIALS_KEY, JSON.stringify(all));
  }
}
