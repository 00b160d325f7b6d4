import { describe, expect, it } from 'vitest';
import { DATE_FORMATS, dateFormatName, renderDate } from './date-formats.js';

const tuesday3March2009 = { year: 2009, month: 3, day: 3, weekday: 2 };

describe('DATE_FORMATS', () => {
  it('writes 2009-03-03 in 23 distinct formats', () => {
    expect(DATE_FORMATS.map((f) => renderDate(tuesday3March2009, f))).toEqual([
      '2009-03-03', '20090303', '03/03/2009', '3/3/09', '3/3/2009', '03.03.2009', '3.3.09', '03-03-2009', '2009/03/03',
      '3 march 2009', 'tuesday 3 march 2009', 'march 3, 2009', 'TUESDAY, MARCH 3, 2009', '3 mar 09', 'Mar 3 2009',
      '3rd march 2009', 'March 3rd, 2009', '03-MAR-2009', 'Tue 3 Mar 2009', 'Tuesday, 3 March 2009', 'mar 3, 09',
      'Tue, 03 Mar 2009', '03 MARCH 2009',
    ]);
    expect(new Set(DATE_FORMATS.map(dateFormatName)).size).toBe(DATE_FORMATS.length);
    expect(dateFormatName(DATE_FORMATS[12]!)).toBe('dddd, mmmm d, yyyy (upper)');
  });

  it('writes English ordinals, teens included, and keeps them lower case in title case', () => {
    const f = DATE_FORMATS.find((x) => x.pattern === 'mmmm do, yyyy')!;
    const days = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 24, 31];
    expect(days.map((day) => renderDate({ year: 2001, month: 1, day, weekday: 0 }, f).split(' ')[1])).toEqual(
      ['1st,', '2nd,', '3rd,', '4th,', '11th,', '12th,', '13th,', '21st,', '22nd,', '23rd,', '24th,', '31st,'],
    );
  });
});
