/**
 * The admin API's input schemas (zod): every body is validated completely before the first write.
 */
import { z } from 'zod';
import { MAX_ROSTER_MEMBERS } from '../../domain/roster.ts';
import { LINK_PURPOSES, type LinkPurpose } from '../../links/tokens.ts';

const ID = z.string().trim().min(1).max(100);
const httpUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'an http(s) URL is expected');
const material = z.strictObject({ title: z.string().trim().min(1).max(500), url: httpUrl, note: z.string().max(200).optional() });
const speakersSchema = z.array(z.string().max(300)).max(20);
const lang = z.enum(['ru', 'en']);

const settingsSchema = z.strictObject({
  timeZone: z.string().max(100).optional(),
  proposalsCloseDaysBefore: z.number().int().optional(),
  approvalDaysBefore: z.number().int().optional(),
  noticeDaysBefore: z.number().int().optional(),
  voteDurationMinutes: z.number().int().optional(),
  signatureWorkingDays: z.number().int().optional(),
  reminderHoursBefore: z.number().int().optional(),
  sendRatePerSecond: z.number().int().optional(),
  attachPdfMaxBytes: z.number().int().optional(),
  voteReceipts: z.boolean().optional(),
});

export const createGroupSchema = z.strictObject({
  bodyName: z.string().trim().min(1).max(500),
  name: z.string().trim().min(1).max(500),
  settings: settingsSchema.optional(),
  members: z
    .array(
      z.strictObject({
        id: ID,
        name: z.string().trim().min(1).max(300),
        email: z.string().trim().max(254),
        role: z.enum(['chair', 'deputy', 'secretary', 'member']),
        position: z.string().trim().max(300).optional(),
        lang: lang.optional(),
      }),
    )
    .min(1)
    .max(MAX_ROSTER_MEMBERS),
});

const agendaItemInput = z.strictObject({
  title: z.string().max(2000),
  speakers: speakersSchema.optional(),
  decision: z.string().max(5000).optional(),
  materials: z.array(material).max(50).optional(),
});

export const conveneSchema = z.strictObject({
  title: z.string().max(2000),
  date: z.string().max(40),
  time: z.string().max(20),
  timeZone: z.string().max(100).optional(),
  place: z.string().max(1000).nullable().optional(),
  agenda: z.array(agendaItemInput).max(100).optional(),
  invitees: z
    .array(
      z.strictObject({
        name: z.string().max(300),
        email: z.string().max(254),
        position: z.string().max(300),
        organisation: z.string().max(300).optional(),
        lang: lang.optional(),
      }),
    )
    .max(100)
    .optional(),
});

export const agendaSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        id: ID.optional(),
        title: z.string().trim().min(1).max(500),
        decision: z.string().max(5000).optional(),
        description: z.string().max(5000).optional(),
        speakers: speakersSchema.optional(),
        materials: z.array(material).max(50).optional(),
      }),
    )
    .max(100),
});

export const speakersBody = z.strictObject({ speakers: speakersSchema });
export const decisionBody = z.strictObject({ decision: z.enum(['accepted', 'declined']) });
export const approveBody = z.strictObject({});
export const attendanceBody = z.strictObject({ memberId: ID, status: z.enum(['present', 'absent']) });
export const actingSecretaryBody = z.strictObject({ memberId: ID });
export const emptyBody = z.strictObject({});
export const revokeLinksBody = z.strictObject({
  memberId: ID,
  purpose: z.enum(LINK_PURPOSES as unknown as [LinkPurpose, ...LinkPurpose[]]).optional(),
  /** Send the member a new link of that purpose (needs `purpose`). */
  reissue: z.boolean().optional(),
});
export const narrativeBody = z.strictObject({
  items: z.record(ID, z.strictObject({ heard: z.string().max(20_000), spoke: z.string().max(20_000) })),
});
export const cancelBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
export const moveBody = z.strictObject({
  date: z.string().max(40),
  time: z.string().max(20),
  place: z.string().max(1000).nullable().optional(),
});
