import type { SNSEvent } from 'aws-lambda';
import { getDeps, type Deps } from '../app/deps.ts';
import { nowInstant, recipientOf } from '../app/meeting-view.ts';
import { normaliseEmail } from '../domain/roster.ts';
import type { Lang, Member } from '../domain/types.ts';
import { formatInstant } from '../lib/format.ts';
import * as z from '../lib/zod-mini.ts';
import { renderHtml, renderText, type Block, type Layout } from '../mail/layout.ts';
import { parseAddress } from '../mail/mailer.ts';
import type { MailMessage, MailRecipient } from '../mail/types.ts';
import type { GroupRecord } from '../store/records.ts';

/**
 * SES v2 delivery events (configuration-set event destination → SNS → this Lambda). A bounce or a
 * complaint marks the address as failing in every group whose roster has it, and that group's
 * secretary is told by e-mail, so a member does not silently miss notices and ballots.
 */

export type ProblemKind = 'bounce' | 'complaint';

export interface DeliveryProblem {
  kind: ProblemKind;
  /** Lower-cased addresses that failed. */
  addresses: string[];
  /** Short, human-readable: bounce type and diagnostic, or the complaint type. */
  reason: string;
  /** From the mail's SES tags (the mailer sets `meeting` and `purpose`). */
  meetingId?: string;
  purpose?: string;
  /** SES message id of the e-mail that failed. */
  messageId?: string;
  at?: string;
}

const optionalString = z.optional(z.string());
const recipient = z.looseObject({ emailAddress: z.string() });
const sesNotification = z.looseObject({
  eventType: optionalString,
  notificationType: optionalString,
  bounce: z.optional(
    z.looseObject({
      bounceType: optionalString,
      bounceSubType: optionalString,
      bouncedRecipients: z.optional(z.array(z.extend(recipient, { diagnosticCode: optionalString, status: optionalString }))),
      timestamp: optionalString,
    }),
  ),
  complaint: z.optional(
    z.looseObject({
      complainedRecipients: z.optional(z.array(recipient)),
      complaintFeedbackType: optionalString,
      complaintSubType: z.optional(z.nullable(z.string())),
      timestamp: optionalString,
    }),
  ),
  mail: z.optional(
    z.looseObject({
      messageId: optionalString,
      destination: z.optional(z.array(z.string())),
      tags: z.optional(z.record(z.string(), z.array(z.string()))),
    }),
  ),
});

function addressOf(value: string): string | null {
  try {
    const email = normaliseEmail(parseAddress(value).email);
    return email.includes('@') ? email : null;
  } catch {
    return null;
  }
}

function unique(values: (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))];
}

/**
 * Reads one SES event (the SNS message text). Returns null for events that are not problems
 * (Send, Delivery, Open, …). Throws on text that is not an SES event at all.
 */
export function parseSesNotification(message: string): DeliveryProblem | null {
  const parsed = sesNotification.parse(JSON.parse(message));
  const type = (parsed.eventType ?? parsed.notificationType ?? '').toLowerCase();
  const tag = (name: string) => parsed.mail?.tags?.[name]?.[0];
  const context = {
    ...(tag('meeting') ? { meetingId: tag('meeting') } : {}),
    ...(tag('purpose') ? { purpose: tag('purpose') } : {}),
    ...(parsed.mail?.messageId ? { messageId: parsed.mail.messageId } : {}),
  };
  const destination = parsed.mail?.destination ?? [];
  if (type === 'bounce') {
    const bounce = parsed.bounce ?? {};
    const listed = bounce.bouncedRecipients ?? [];
    const addresses = unique((listed.length > 0 ? listed.map((r) => r.emailAddress) : destination).map(addressOf));
    const diagnostic = listed.map((r) => r.diagnosticCode ?? r.status).find(Boolean);
    const kindText = [bounce.bounceType, bounce.bounceSubType].filter(Boolean).join('/') || 'unknown';
    return {
      kind: 'bounce',
      addresses,
      reason: `bounce ${kindText}${diagnostic ? `: ${diagnostic}` : ''}`.slice(0, 500),
      ...context,
      ...(bounce.timestamp ? { at: bounce.timestamp } : {}),
    };
  }
  if (type === 'complaint') {
    const complaint = parsed.complaint ?? {};
    const listed = complaint.complainedRecipients ?? [];
    const addresses = unique((listed.length > 0 ? listed.map((r) => r.emailAddress) : destination).map(addressOf));
    return {
      kind: 'complaint',
      addresses,
      reason: `complaint${complaint.complaintFeedbackType ? ` ${complaint.complaintFeedbackType}` : ''}`.slice(0, 500),
      ...context,
      ...(complaint.timestamp ? { at: complaint.timestamp } : {}),
    };
  }
  return null;
}

export interface ParsedSnsEvent {
  problems: DeliveryProblem[];
  /** Records that are not SES events (logged and dropped: retrying them cannot help). */
  unreadable: number;
}

export function parseSnsEvent(event: Pick<SNSEvent, 'Records'>): ParsedSnsEvent {
  const problems: DeliveryProblem[] = [];
  let unreadable = 0;
  for (const record of event.Records ?? []) {
    try {
      const problem = parseSesNotification(record.Sns.Message);
      if (problem && problem.addresses.length > 0) problems.push(problem);
    } catch {
      unreadable++;
    }
  }
  return { problems, unreadable };
}

// ---------------------------------------------------------------- the message to the secretary

const tr = (lang: Lang, ru: string, en: string) => (lang === 'en' ? en : ru);

export interface AddressFailingInput {
  recipient: MailRecipient;
  groupName: string;
  timeZone: string;
  member: Pick<Member, 'name' | 'email'>;
  problem: Pick<DeliveryProblem, 'kind' | 'reason' | 'purpose'>;
  meetingTitle?: string;
  reportedAt: string;
}

/** To the secretary: mail to a member's address bounces or was reported as spam. */
export function addressFailingMessage(input: AddressFailingInput): MailMessage {
  const lang: Lang = input.recipient.lang === 'en' ? 'en' : 'ru';
  const what =
    input.problem.kind === 'bounce'
      ? tr(lang, 'не доставляются (возврат письма)', 'bounce')
      : tr(lang, 'отмечены получателем как спам (жалоба)', 'were reported as spam (complaint)');
  const rows: Array<[string, string]> = [
    [tr(lang, 'Член рабочей группы', 'Member'), input.member.name],
    [tr(lang, 'Адрес', 'Address'), input.member.email],
    [tr(lang, 'Когда', 'When'), formatInstant(input.reportedAt, input.timeZone, lang)],
  ];
  if (input.meetingTitle) rows.push([tr(lang, 'Заседание', 'Meeting'), input.meetingTitle]);
  if (input.problem.purpose) rows.push([tr(lang, 'Письмо', 'E-mail'), input.problem.purpose]);
  const blocks: Block[] = [
    {
      kind: 'p',
      text: tr(
        lang,
        `Письма Kvorum на адрес ${input.member.email} ${what}. Адрес отмечен как неработающий: проверьте его в составе рабочей группы и сообщите члену группы о заседании другим способом.`,
        `Kvorum e-mails to ${input.member.email} ${what}. The address is marked as failing: check it in the group's roster and reach the member another way.`,
      ),
    },
    { kind: 'facts', rows },
    { kind: 'quote', label: tr(lang, 'Ответ почтовой системы', 'What the mail system said'), text: input.problem.reason },
  ];
  const subject = tr(lang, `Не доставляются письма: ${input.member.name}`, `E-mails not delivered: ${input.member.name}`);
  const layout: Layout = {
    lang,
    subject,
    greetingName: input.recipient.name,
    blocks,
    signature: tr(
      lang,
      `Kvorum — секретариат рабочей группы «${input.groupName}». Письмо отправлено автоматически.`,
      `Kvorum — secretariat of the working group "${input.groupName}". This e-mail was sent automatically.`,
    ),
    personalLinks: false,
  };
  return { subject, text: renderText(layout), html: renderHtml(layout) };
}

// ---------------------------------------------------------------- use case

export interface ReportOutcome {
  groupId: string;
  address: string;
  notified: string | null;
}

/** Who hears about a failing address: the secretary, or the chair when it is the secretary's own. */
function whomToTell(group: GroupRecord, failing: string): Member | undefined {
  const secretary = group.members.find((m) => m.role === 'secretary');
  if (secretary && normaliseEmail(secretary.email) !== failing) return secretary;
  return group.members.find((m) => m.role === 'chair' && normaliseEmail(m.email) !== failing);
}

export async function reportDeliveryProblem(deps: Deps, problem: DeliveryProblem): Promise<ReportOutcome[]> {
  const groups = await deps.store.listGroups();
  const outcomes: ReportOutcome[] = [];
  const meeting = problem.meetingId ? await deps.store.getMeeting(problem.meetingId) : null;
  for (const address of problem.addresses) {
    for (const group of groups) {
      const member = group.members.find((m) => normaliseEmail(m.email) === address);
      if (!member) continue;
      await deps.store.markAddressFailing(group.id, address, problem.reason);
      const ofThisGroup = meeting && meeting.groupId === group.id ? meeting : null;
      if (ofThisGroup) {
        await deps.store.appendAudit(ofThisGroup.id, { actor: 'ses', action: 'address-failing', detail: { memberId: member.id, kind: problem.kind, reason: problem.reason } });
      }
      const tell = whomToTell(group, address);
      if (tell) {
        const message = addressFailingMessage({
          recipient: recipientOf(tell),
          groupName: group.name,
          timeZone: ofThisGroup?.timeZone ?? group.settings.timeZone,
          member,
          problem,
          ...(ofThisGroup ? { meetingTitle: ofThisGroup.title } : {}),
          reportedAt: nowInstant(deps),
        });
        // Once per address, per meeting (or group), per kind: SNS may deliver the same event twice.
        await deps.mailer.send(
          { meetingId: ofThisGroup?.id ?? `group-${group.id}`, purpose: `address-failing:${problem.kind}:${address}`, recipient: tell.id, revision: 0 },
          message,
          tell.email,
        );
      }
      outcomes.push({ groupId: group.id, address, notified: tell?.id ?? null });
    }
  }
  return outcomes;
}

export const handler = async (event: SNSEvent): Promise<{ reported: number; unreadable: number }> => {
  const deps = getDeps();
  const { problems, unreadable } = parseSnsEvent(event);
  if (unreadable > 0) console.warn(`ses-events: ${unreadable} record(s) are not SES events; dropped`);
  let reported = 0;
  for (const problem of problems) reported += (await reportDeliveryProblem(deps, problem)).length;
  return { reported, unreadable };
};
