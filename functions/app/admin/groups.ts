/**
 * Groups and their rosters (п. 2.2): create, replace, read.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { validateGroupSettings, defaultGroupSettings } from '../../domain/deadlines.ts';
import { rosterSizeError, validateRoster } from '../../domain/roster.ts';
import type { Group, Member } from '../../domain/types.ts';
import { conflict, forbidden } from '../../http/errors.ts';
import { validate } from '../../http/middleware.ts';
import { ConditionFailedError } from '../../store/errors.ts';
import { isTerminalPhase, type GroupRecord, type GroupWithAddresses } from '../../store/records.ts';
import type { Deps } from '../deps.ts';
import { Caller, authorize, domainFailure, loadGroup } from './access.ts';
import { createGroupSchema } from './schemas.ts';
import { meetingSummary } from './views.ts';

/** POST /admin/groups: a new group and its roster (п. 2.2); the caller must be its chair or secretary. */
function groupFromInput(id: string, input: z.infer<typeof createGroupSchema>): Group {
  const settings = { ...defaultGroupSettings, ...stripUndefined(input.settings ?? {}) };
  const members: Member[] = input.members.map((m) => ({
    id: m.id,
    name: m.name,
    email: m.email,
    role: m.role,
    lang: m.lang ?? 'ru',
    ...(m.position ? { position: m.position } : {}),
  }));
  const errors = [...validateRoster(members), ...validateGroupSettings(settings)];
  if (errors.length > 0) throw domainFailure('invalid-group', errors);
  return { id, bodyName: input.bodyName, name: input.name, settings, members };
}

/** A roster over the limit is refused first, with the limit in the message (zod would only say "too big"). */
function checkRosterSize(body: unknown): void {
  const members = typeof body === 'object' && body !== null ? (body as { members?: unknown }).members : undefined;
  const tooLarge = Array.isArray(members) ? rosterSizeError(members.length) : null;
  if (tooLarge) throw domainFailure('roster-too-large', [tooLarge]);
}

/** Stores the group; a roster written concurrently by another request is a 409 (GroupRepository.putGroup). */
async function saveGroup(deps: Deps, group: Group): Promise<GroupRecord> {
  try {
    return await deps.store.putGroup(group);
  } catch (error) {
    if (!(error instanceof ConditionFailedError && error.reason === 'roster-conflict')) throw error;
    throw conflict(
      'roster-conflict',
      'Состав рабочей группы в это же время изменяет другой запрос; обновите данные и повторите.',
      'Another request is changing the roster at the same time; reload and try again.',
    );
  }
}

export async function createGroup(deps: Deps, caller: Caller, body: unknown): Promise<{ group: GroupWithAddresses }> {
  if (!caller.groups.includes('chair') && !caller.groups.includes('secretary')) throw forbidden();
  checkRosterSize(body);
  const input = validate(createGroupSchema, body);
  const group = groupFromInput(randomUUID(), input);
  authorize(caller, group, 'read');
  // A new group has no address statuses yet: no need to read it back.
  return { group: { ...(await saveGroup(deps, group)), addresses: {} } };
}

/**
 * PUT /admin/groups/{groupId}: the secretary or the chair replaces the roster and settings (п. 2.2).
 * Refused while a meeting of the group is in progress: its quorum base and signers must not change
 * under it. The caller must stay in the new roster with their role.
 */
export async function updateGroup(deps: Deps, caller: Caller, groupId: string, body: unknown): Promise<{ group: GroupWithAddresses }> {
  const current = await loadGroup(deps, groupId);
  authorize(caller, current, 'read');
  checkRosterSize(body);
  const input = validate(createGroupSchema, body);
  const group = groupFromInput(groupId, input);
  authorize(caller, group, 'read');
  const running = (await deps.store.listMeetingsByGroup(groupId)).filter((m) => !isTerminalPhase(m.phase));
  if (running.length > 0) {
    throw conflict(
      'meeting-in-progress',
      `Состав и настройки нельзя менять, пока идёт заседание: ${running.map((m) => `«${m.title}»`).join(', ')}.`,
      `The roster and settings cannot change while a meeting is in progress: ${running.map((m) => `"${m.title}"`).join(', ')}.`,
    );
  }
  return { group: { ...(await saveGroup(deps, group)), addresses: current.addresses } };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** GET /admin/groups/{groupId}: roster, settings, delivery status of addresses, meetings. */
export async function getGroup(deps: Deps, caller: Caller, groupId: string) {
  const group = await loadGroup(deps, groupId);
  const member = authorize(caller, group, 'read');
  const meetings = await deps.store.listMeetingsByGroup(groupId);
  return { group, meetings: meetings.map((m) => meetingSummary(deps, m, member.lang)) };
}
