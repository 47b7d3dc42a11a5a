/**
 * Properties of addWorkingDays over every date with data (2024–2026), checked with fast-check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addWorkingDays, isWorkingDay, workingDaysBetween } from '../../../functions/calendar/index.ts';
import type { IsoDate } from '../../../functions/domain/types.ts';

const FIRST = Date.UTC(2024, 0, 1);
const iso = (offset: number): IsoDate => new Date(FIRST + offset * 86_400_000).toISOString().slice(0, 10);
const nextDay = (date: IsoDate): IsoDate => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

// Start dates in 2024–2025 and n up to 40, so the result always stays inside 2024–2026.
const startDate = fc.integer({ min: 0, max: 366 + 365 - 1 }).map(iso);
const count = fc.integer({ min: 1, max: 40 });

describe('addWorkingDays properties', () => {
  it('returns a working day strictly after the start date', () => {
    fc.assert(
      fc.property(startDate, count, (date, n) => {
        const result = addWorkingDays(date, n);
        expect(result > date).toBe(true);
        expect(isWorkingDay(result)).toBe(true);
      }),
    );
  });

  it('leaves exactly n working days in (date, result]', () => {
    fc.assert(
      fc.property(startDate, count, (date, n) => {
        expect(workingDaysBetween(date, addWorkingDays(date, n))).toBe(n);
      }),
    );
  });

  it('is strictly increasing in n', () => {
    fc.assert(
      fc.property(startDate, count, count, (date, a, b) => {
        fc.pre(a !== b);
        const [low, high] = a < b ? [a, b] : [b, a];
        expect(addWorkingDays(date, low) < addWorkingDays(date, high)).toBe(true);
      }),
    );
  });

  it('composes: n + m working days after d = m working days after (n working days after d)', () => {
    fc.assert(
      fc.property(startDate, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), (date, n, m) => {
        expect(addWorkingDays(date, n + m)).toBe(addWorkingDays(addWorkingDays(date, n), m));
      }),
    );
  });

  it('1 working day after d is the first working day after d: every day in between is off', () => {
    fc.assert(
      fc.property(startDate, (date) => {
        const next = addWorkingDays(date, 1);
        for (let day = nextDay(date); day < next; day = nextDay(day)) expect(isWorkingDay(day)).toBe(false);
      }),
    );
  });
});
