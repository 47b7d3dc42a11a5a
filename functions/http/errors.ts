import type { Lang } from '../domain/types.ts';

/** A client error with a clear message in both languages; the request changed nothing. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messages: { ru: string; en: string },
    readonly details?: unknown,
  ) {
    super(messages.en);
    this.name = 'HttpError';
  }

  text(lang: Lang): string {
    return this.messages[lang];
  }
}

export const badRequest = (code: string, ru: string, en: string, details?: unknown) => new HttpError(400, code, { ru, en }, details);
export const unauthorized = () =>
  new HttpError(401, 'unauthorized', { ru: 'Требуется вход в систему.', en: 'Authentication required.' });
export const forbidden = (ru = 'Недостаточно прав для этого действия.', en = 'You are not allowed to do this.') =>
  new HttpError(403, 'forbidden', { ru, en });
export const notFound = (what: string, ru = 'Не найдено.', en = 'Not found.') => new HttpError(404, `${what}-not-found`, { ru, en });
export const conflict = (code: string, ru: string, en: string) => new HttpError(409, code, { ru, en });
export const unprocessable = (code: string, ru: string, en: string, details?: unknown) => new HttpError(422, code, { ru, en }, details);
export const payloadTooLarge = (limit: number) =>
  new HttpError(413, 'payload-too-large', {
    ru: `Слишком большой запрос (не более ${limit} байт).`,
    en: `Request body too large (at most ${limit} bytes).`,
  });
