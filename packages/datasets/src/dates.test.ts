import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, weekdayOf } from './calendar.js';
import { DATE_FORMATS, dateFormatName, renderDate } from './date-formats.js';
import {
  DATE_SOURCE_LEN, DATE_SOURCE_VOCAB, DATE_TARGET_LEN, DATE_TARGET_VOCAB, dates, dateSplitOf, decodeDateSource,
  decodeDateTarget, decodeDateTargets, encodeDateSources,
} from './dates.js';

// An independent reading of a generated source: names from Intl, ordinals from Intl.PluralRules,
// the date from JS Date. Day-first for numeric dates (the documented D/M/Y convention); a two-digit
// year is the one in 1950–2049.
const intlName = (d: Date, key: 'month' | 'weekday') => d.toLocaleString('en-US', { [key]: 'long', timeZone: 'UTC' }).toLowerCase();
const MONTHS = Array.from({ length: 12 }, (_, m) => intlName(new Date(Date.UTC(2001, m, 1)), 'month'));
const WEEKDAYS = Array.from({ length: 7 }, (_, i) => intlName(new Date(Date.UTC(2001, 0, 7 + i)), 'weekday')); // 2001-01-07: a Sunday
const ORDINAL = new Intl.PluralRules('en-US', { type: 'ordinal' });
const SUFFIX: Record<string, string> = { one: 'st', two: 'nd', few: 'rd', other: 'th' };

function parseHuman(text: string): string {
  let month: number | undefined;
  let weekday: number | undefined;
  const nums: string[] = [];
  for (const t of text.toLowerCase().split(/[ ,./-]+/).filter(Boolean)) {
    const ord = /^(\d+)(st|nd|rd|th)$/.exec(t);
    if (ord) {
      if (SUFFIX[ORDINAL.select(Number(ord[1]))] !== ord[2]) throw new Error(`bad ordinal ${t}`);
      nums.push(ord[1]!);
    } else if (/^\d+$/.test(t)) nums.push(t);
    else if (MONTHS.some((m) => m === t || m.slice(0, 3) === t)) month = MONTHS.findIndex((m) => m === t || m.slice(0, 3) === t) + 1;
    else if (WEEKDAYS.some((w) => w === t || w.slice(0, 3) === t)) weekday = WEEKDAYS.findIndex((w) => w === t || w.slice(0, 3) === t);
    else throw new Error(`unknown token ${t} in ${text}`);
  }
  let y: string, m: number, d: string;
  if (nums.length === 1 && nums[0]!.length === 8) [y, m, d] = [nums[0]!.slice(0, 4), Number(nums[0]!.slice(4, 6)), nums[0]!.slice(6)];
  else if (month !== undefined && nums.length === 2) [d, y, m] = [nums[0]!, nums[1]!, month];
  else if (nums.length === 3 && nums[0]!.length === 4) [y, m, d] = [nums[0]!, Number(nums[1]), nums[2]!];
  else if (nums.length === 3) [d, m, y] = [nums[0]!, Number(nums[1]), nums[2]!];
  else throw new Error(`cannot read ${text}`);
  const year = y.length === 2 ? (Number(y) >= 50 ? 1900 : 2000) + Number(y) : Number(y);
  const js = new Date(Date.UTC(year, m - 1, Number(d)));
  if (js.getUTCFullYear() !== year || js.getUTCMonth() !== m - 1 || js.getUTCDate() !== Number(d)) throw new Error(`invalid date ${text}`);
  if (weekday !== undefined && weekday !== js.getUTCDay()) throw new Error(`wrong weekday in ${text}`);
  return js.toISOString().slice(0, 10);
}

describe('dates', () => {
  const train = dates({ seed: 1, count: 6000 });
  const test = dates({ seed: 1, count: 2000, split: 'test' });

  it('returns padded source ids [N, 29] with lengths, targetIn = <bos> + ISO and targetOut = ISO + <eos>, [N, 11]', () => {
    expect(DATE_SOURCE_LEN).toBe(29);
    expect(train.source.shape).toEqual([6000, DATE_SOURCE_LEN]);
    expect(train.targetIn.shape).toEqual([6000, DATE_TARGET_LEN]);
    expect(train.targetOut.shape).toEqual([6000, 11]);
    expect([train.sourceVocab.size, train.targetVocab.size]).toEqual([69, 14]);
    for (let n = 0; n < 50; n++) {
      const row = train.source.data.subarray(n * 29, (n + 1) * 29);
      const len = train.sourceLengths[n]!;
      expect(len).toBe(train.texts.source[n]!.length);
      expect(Array.from(row.subarray(len)).every((v) => v === 0)).toBe(true);
      expect(decodeDateSource(row)).toBe(train.texts.source[n]);
      const tin = Array.from(train.targetIn.data.subarray(n * 11, (n + 1) * 11));
      const tout = Array.from(train.targetOut.data.subarray(n * 11, (n + 1) * 11));
      expect(tin[0]).toBe(DATE_TARGET_VOCAB.bos);
      expect(tout[10]).toBe(DATE_TARGET_VOCAB.eos);
      expect(tin.slice(1)).toEqual(tout.slice(0, 10));
      expect(decodeDateTarget(tin)).toBe(train.texts.target[n]);
      expect(decodeDateTarget(tout)).toBe(train.texts.target[n]);
    }
    expect(decodeDateTargets(train.targetOut).slice(0, 100)).toEqual(train.texts.target.slice(0, 100));
    expect(train.source.data.reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(69);
    expect(Array.from(train.source.data).includes(DATE_SOURCE_VOCAB.unk!)).toBe(false);
  });

  it('uses every format, and every source reads back (Intl names, JS Date) as its target, weekday included', () => {
    for (const ds of [train, test]) {
      expect(new Set(ds.format).size).toBe(DATE_FORMATS.length);
      const wrong: string[] = [];
      ds.texts.source.forEach((s, n) => {
        const iso = ds.texts.target[n]!;
        try {
          if (parseHuman(s) !== iso) wrong.push(`${s} → ${iso}`);
        } catch (err) {
          wrong.push(`${s}: ${(err as Error).message}`);
        }
        if (renderDate({ ...civilFromDays(ds.day[n]!), weekday: weekdayOf(ds.day[n]!) }, DATE_FORMATS[ds.format[n]!]!) !== s) wrong.push(`format of ${s}`);
      });
      expect(wrong).toEqual([]);
    }
  });

  it('covers the calendar: leap days, the first and last years', () => {
    const big = dates({ seed: 3, count: 60_000 });
    const t = new Set(big.texts.target);
    expect([...t].some((x) => x.endsWith('-02-29'))).toBe(true);
    expect([...t].some((x) => x.startsWith('1950-'))).toBe(true);
    expect([...t].some((x) => x.startsWith('2049-'))).toBe(true);
    expect([...t].every((x) => x >= '1950-01-01' && x <= '2049-12-31')).toBe(true);
  });

  it('maps each source string to one date, over every date of 1950–2049 in every numeric format', () => {
    const seen = new Map<string, number>();
    const numeric = DATE_FORMATS.filter((f) => !/[a-z]/.test(renderDate({ year: 2009, month: 3, day: 3, weekday: 2 }, f).toLowerCase()));
    expect(numeric.length).toBe(9);
    let clashes = 0;
    for (let d = daysFromCivil(1950, 1, 1); d <= daysFromCivil(2049, 12, 31); d++) {
      const parts = { ...civilFromDays(d), weekday: weekdayOf(d) };
      for (const f of numeric) {
        const s = renderDate(parts, f);
        const before = seen.get(s);
        if (before !== undefined && before !== d) clashes++;
        seen.set(s, d);
      }
    }
    expect(clashes).toBe(0);
  });

  it('is deterministic in the seed; a larger count extends a smaller one; another seed differs', () => {
    const again = dates({ seed: 1, count: 6000 });
    expect(again.source.data).toEqual(train.source.data);
    expect(again.texts).toEqual(train.texts);
    const head = dates({ seed: 1, count: 100 });
    expect(head.texts.source).toEqual(train.texts.source.slice(0, 100));
    expect(head.source.data).toEqual(train.source.data.subarray(0, 100 * 29));
    expect(dates({ seed: 2, count: 100 }).texts.source).not.toEqual(head.texts.source);
  });

  it('keeps train and test disjoint by calendar date, whatever the seeds; about testFraction of dates are test', () => {
    const trainDays = new Set(dates({ seed: 5, count: 20_000 }).day);
    const testDays = new Set(dates({ seed: 9, count: 5000, split: 'test' }).day);
    for (const d of testDays) expect(trainDays.has(d)).toBe(false);
    let nTest = 0;
    const first = daysFromCivil(1950, 1, 1);
    const last = daysFromCivil(2049, 12, 31);
    for (let d = first; d <= last; d++) if (dateSplitOf(d) === 'test') nTest++;
    expect(nTest / (last - first + 1)).toBeGreaterThan(0.19);
    expect(nTest / (last - first + 1)).toBeLessThan(0.21);
    // The rule looks at the date only: another year range or format list keeps each date's split.
    const narrow = dates({ seed: 1, count: 500, split: 'test', years: [2000, 2009], formats: ['yyyy-mm-dd'] });
    expect(Array.from(narrow.day).every((d) => dateSplitOf(d) === 'test')).toBe(true);
    expect(narrow.texts.source).toEqual(narrow.texts.target);
    // Another splitSeed, another partition.
    let moved = 0;
    for (let d = first; d < first + 1000; d++) if (dateSplitOf(d, 0.2, 1) !== dateSplitOf(d)) moved++;
    expect(moved).toBeGreaterThan(100);
  });

  it('lowercases on request, and encodes any text with <unk> for unknown characters', () => {
    const lower = dates({ seed: 1, count: 300, lowercase: true });
    expect(lower.texts.source).toEqual(dates({ seed: 1, count: 300 }).texts.source.map((s) => s.toLowerCase()));
    const { source, lengths } = encodeDateSources(['3 mär 09', 'x'.repeat(40)]);
    expect(source.shape).toEqual([2, 40]);
    expect(Array.from(lengths)).toEqual([8, 40]);
    expect(Array.from(source.data.subarray(0, 8))).toContain(DATE_SOURCE_VOCAB.unk);
    expect(decodeDateSource(source.data.subarray(0, 40))).toBe('3 m\uFFFDr 09');
  });

  it('names the bad argument, what it expects and what it got', () => {
    expect(() => dates({ seed: 1.5, count: 1 })).toThrow('dates: seed: expected an integer, got 1.5');
    expect(() => dates({ seed: 1, count: 0 })).toThrow('dates: count: expected a positive integer, got 0');
    expect(() => dates({ seed: 1, count: 1, split: 'valid' as 'test' })).toThrow(`dates: split: expected 'train' or 'test', got "valid"`);
    expect(() => dates({ seed: 1, count: 1, testFraction: 1 })).toThrow('dates: testFraction: expected a number in [0, 1), got 1');
    expect(() => dates({ seed: 1, count: 1, years: [1900, 2049] })).toThrow('dates: years: expected [first, last] with 1000 ≤ first ≤ last ≤ 9999 and at most 100 years, got [1900,2049]');
    expect(() => dates({ seed: 1, count: 1, formats: ['mm/dd/yyyy'] })).toThrow(/dates: formats: expected names from DATE_FORMATS \("yyyy-mm-dd", .*\), got "mm\/dd\/yyyy"/);
    expect(() => dates({ seed: 1, count: 1, split: 'test', testFraction: 0 })).toThrow('dates: split: no test dates in years 1950–2049 with testFraction 0');
    expect(() => decodeDateTargets({ data: new Int32Array(3), shape: [3] })).toThrow('decodeDateTargets: ids: expected [N, T], got [3]');
    expect(dateFormatName(DATE_FORMATS[0]!)).toBe('yyyy-mm-dd');
  });
});
