import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, daysInMonth, isLeapYear, isoDate, weekdayOf } from './calendar.js';

describe('calendar', () => {
  it('agrees with JS Date (UTC) on every day from 1900 to 2100: day number, date, weekday, ISO', () => {
    const end = daysFromCivil(2100, 12, 31);
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    const wrong: number[] = [];
    for (let d = daysFromCivil(1900, 1, 1); d <= end; d++) {
      const js = new Date(d * 86_400_000);
      const c = civilFromDays(d);
      const ok = c.year === js.getUTCFullYear() && c.month === js.getUTCMonth() + 1 && c.day === js.getUTCDate() &&
        weekdayOf(d) === js.getUTCDay() && isoDate(d) === js.toISOString().slice(0, 10) && daysFromCivil(c.year, c.month, c.day) === d;
      if (!ok) wrong.push(d);
    }
    expect(wrong).toEqual([]);
  });

  it('has Gregorian leap years: 2000 and 2024 yes, 1900 and 2100 no', () => {
    expect([2000, 2024, 1952, 1900, 2100, 2023].map(isLeapYear)).toEqual([true, true, true, false, false, false]);
    expect([daysInMonth(2000, 2), daysInMonth(1900, 2), daysInMonth(2009, 4), daysInMonth(2009, 12)]).toEqual([29, 28, 30, 31]);
  });
});
