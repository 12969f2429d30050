/**
 * The banner a console page shows after an action: the action's own message, kept here under a
 * random id that the redirect carries (`?done=<id>` / `?error=<id>`). A link cannot make the
 * console print text of its choosing: an id this server did not hand out shows no banner.
 */
import { randomBytes } from 'node:crypto';

export interface Flash {
  text: string;
  error?: boolean;
}

export interface FlashBoard {
  /** Keeps a message; returns the id to put in the redirect. */
  post(flash: Flash): string;
  read(id: string | null | undefined): Flash | undefined;
}

/** The last `keep` messages (oldest dropped first). */
export function flashBoard(keep = 500): FlashBoard {
  const messages = new Map<string, Flash>();
  return {
    post(flash) {
      const id = randomBytes(12).toString('base64url');
      messages.set(id, flash);
      if (messages.size > keep) messages.delete(messages.keys().next().value as string);
      return id;
    },
    read: (id) => (id ? messages.get(id) : undefined),
  };
}
