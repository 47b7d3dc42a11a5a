import { simpleParser, type ParsedMail } from 'mailparser';
import { ManualClock, type Clock, type OffsetClock } from '../../functions/lib/clock.ts';
import { startLocalSystem, type LocalSystem, type LocalSystemOptions } from '../../local/system.ts';
import type { SesLocal, StoredEmail } from '../../local/emulators/ses.ts';

/**
 * End-to-end harness: the whole local system on a ManualClock. Tests act only through HTTP (the admin
 * API with a JWT from the local issuer, and the links found in the e-mails) and read the mailbox of
 * aws-ses-v2-local, as people would.
 */
export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  attachments: { filename?: string; contentType: string; content: Buffer }[];
  links: string[];
  parsed: ParsedMail | null;
}

/** `C`: the clock the system runs on — a ManualClock (time stands still between steps) or an OffsetClock (it flows). */
export interface Harness<C extends Clock = ManualClock> {
  system: LocalSystem;
  clock: C;
  base: string;
  tokenFor(email: string, groups: string[]): Promise<string>;
  admin<T = any>(method: string, path: string, body: unknown, as: { email: string; groups: string[] }): Promise<{ status: number; body: T }>;
  get(url: string): Promise<{ status: number; text: string; headers: Headers }>;
  post(url: string, form: Record<string, string>): Promise<{ status: number; text: string }>;
  mails(): Promise<Mail[]>;
  mailsTo(email: string): Promise<Mail[]>;
  /** Moves the clock to an instant and waits until every execution is blocked again. */
  advanceTo(instant: string | Date): Promise<void>;
  /** Moves the clock to the next timed state (wait or task timeout) and settles. */
  advanceToNext(): Promise<Date | undefined>;
  settle(): Promise<void>;
  stop(): Promise<void>;
}

function linksOf(text: string): string[] {
  return [...new Set([...text.matchAll(/https?:\/\/[^\s"'<>)]+\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\?[^\s"'<>)]*)?/g)].map((m) => m[0].replace(/&amp;/g, '&')))];
}

async function toMail(stored: StoredEmail): Promise<Mail> {
  const parsed = stored.raw ? await simpleParser(stored.raw) : null;
  const text = parsed?.text ?? stored.body.text ?? '';
  const html = (parsed?.html || stored.body.html) ?? '';
  return {
    to: stored.destination.to,
    subject: parsed?.subject ?? stored.subject,
    text,
    html: typeof html === 'string' ? html : '',
    attachments: parsed
      ? parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content }))
      : stored.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content, 'base64') })),
    links: linksOf(text),
    parsed,
  };
}

export async function startHarness(start: string, options: Partial<Omit<LocalSystemOptions, 'clock' | 'realSes' | 'dataDir'>> = {}): Promise<Harness> {
  const clock = new ManualClock(start);
  const system = await startLocalSystem({ clock, dataDir: null, retryIntervalMs: 0, ...options });
  return harnessOver(system, clock, (to) => clock.set(to));
}

/**
 * The harness over a running system whose clock `jump` moves (forward) to an instant; `mailbox`: where
 * its e-mail lands (its own emulator, or one the test runs in front of it).
 */
export function harnessOver<C extends ManualClock | OffsetClock>(
  system: LocalSystem,
  clock: C,
  jump: (to: Date) => void,
  mailbox: Pick<SesLocal, 'fetchMessages'> = system.ses,
): Harness<C> {
  const base = system.urls.http;
  const settle = () => system.runtime.whenIdle();
  const harness: Harness<C> = {
    system,
    clock,
    base,
    tokenFor: (email, groups) => system.issuer.issue({ sub: email, email, groups }),
    async admin(method, path, body, as) {
      const token = await system.issuer.issue({ sub: as.email, email: as.email, groups: as.groups });
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: any = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      await settle();
      return { status: response.status, body: parsed };
    },
    async get(url) {
      const response = await fetch(url, { redirect: 'manual' });
      return { status: response.status, text: await response.text(), headers: response.headers };
    },
    async post(url, form) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), redirect: 'manual' });
      const text = await response.text();
      await settle();
      return { status: response.status, text };
    },
    async mails() {
      return Promise.all((await mailbox.fetchMessages()).map(toMail));
    },
    async mailsTo(email) {
      return (await harness.mails()).filter((m) => m.to.some((t) => t.toLowerCase().includes(email.toLowerCase())));
    },
    async advanceTo(instant) {
      jump(new Date(instant));
      await settle();
    },
    async advanceToNext() {
      await settle();
      const next = system.runtime.nextWakeUp();
      if (next) {
        jump(next);
        await settle();
      }
      return next;
    },
    settle,
    stop: () => system.stop(),
  };
  return harness;
}
