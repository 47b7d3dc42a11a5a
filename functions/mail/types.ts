/**
 * Plain data the e-mail builders take and give, so workflow tasks can call them directly.
 * Times are instants (ISO UTC) plus the IANA zone they are shown in (SPEC «Language and time»).
 */
import type { Instant, Lang } from '../domain/types.ts';

export interface MailAttachment {
  filename: string;
  /** e.g. "application/pdf", "text/calendar; charset=UTF-8; method=REQUEST". */
  contentType: string;
  content: Buffer | string;
}

/** What every builder returns: one message, in the recipient's language. */
export interface MailMessage {
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
}

export interface MailRecipient {
  name: string;
  /** Russian is the default (SPEC «Language and time»). */
  lang?: Lang;
  /** Needed only where the message carries a calendar invitation (ATTENDEE). */
  email?: string;
}

/** The facts of one meeting every message shows. */
export interface MeetingInfo {
  /** Stable meeting id; the calendar UID is derived from it. */
  id: string;
  title: string;
  groupName: string;
  startsAt: Instant;
  /** For the calendar entry; defaults to two hours after the start. */
  endsAt?: Instant;
  /** The group's IANA zone (default Europe/Astrakhan); every time is shown in it, zone named. */
  timeZone: string;
  /** Optional (п. 2.3а «при необходимости»). */
  place?: string;
  /** 0 when convened, +1 on every move/cancel: the calendar SEQUENCE. */
  revision: number;
}

export interface AgendaItemView {
  title: string;
  /** п. 2.3г: speakers designated by the chair (names). */
  speakers?: string[];
}

/** A material of the meeting: a link, or a file attached to the notice. */
export type Material =
  | { title: string; url: string }
  | { title: string; attachment: MailAttachment };

/** The organiser shown in the calendar invitation (the group's mailbox or the secretary). */
export interface Organizer {
  name: string;
  email: string;
}
