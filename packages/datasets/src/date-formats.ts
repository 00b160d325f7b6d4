// The human formats the date-normalisation task writes a date in. A format is a pattern of field
// tokens and literal separators plus a letter case, so the table below is its own documentation.
//
// Tokens: yyyy (2009) · yy (09) · mm (03) · m (3) · dd (03) · d (3) · do (3rd) · mmmm (march) ·
// mmm (mar) · dddd (tuesday) · ddd (tue). Everything else (space , . / -) is literal.
// Numeric formats are day first (D/M/Y, the European order) or year first; never month first, so
// `03/04/2009` is 3 April and every string names exactly one date.
import { MONTH_NAMES, WEEKDAY_NAMES } from './calendar.js';

export type LetterCase = 'lower' | 'title' | 'upper';

export interface DateFormat {
  readonly pattern: string;
  readonly case: LetterCase;
}

export interface DateParts {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

export const DATE_FORMATS: readonly DateFormat[] = [
  { pattern: 'yyyy-mm-dd', case: 'lower' }, // 2009-03-03 (the target itself)
  { pattern: 'yyyymmdd', case: 'lower' }, // 20090303
  { pattern: 'dd/mm/yyyy', case: 'lower' }, // 03/03/2009
  { pattern: 'd/m/yy', case: 'lower' }, // 3/3/09
  { pattern: 'd/m/yyyy', case: 'lower' }, // 3/3/2009
  { pattern: 'dd.mm.yyyy', case: 'lower' }, // 03.03.2009
  { pattern: 'd.m.yy', case: 'lower' }, // 3.3.09
  { pattern: 'dd-mm-yyyy', case: 'lower' }, // 03-03-2009
  { pattern: 'yyyy/mm/dd', case: 'lower' }, // 2009/03/03
  { pattern: 'd mmmm yyyy', case: 'lower' }, // 3 march 2009
  { pattern: 'dddd d mmmm yyyy', case: 'lower' }, // tuesday 3 march 2009
  { pattern: 'mmmm d, yyyy', case: 'lower' }, // march 3, 2009
  { pattern: 'dddd, mmmm d, yyyy', case: 'upper' }, // TUESDAY, MARCH 3, 2009
  { pattern: 'd mmm yy', case: 'lower' }, // 3 mar 09
  { pattern: 'mmm d yyyy', case: 'title' }, // Mar 3 2009
  { pattern: 'do mmmm yyyy', case: 'lower' }, // 3rd march 2009
  { pattern: 'mmmm do, yyyy', case: 'title' }, // March 3rd, 2009
  { pattern: 'dd-mmm-yyyy', case: 'upper' }, // 03-MAR-2009
  { pattern: 'ddd d mmm yyyy', case: 'title' }, // Tue 3 Mar 2009
  { pattern: 'dddd, d mmmm yyyy', case: 'title' }, // Tuesday, 3 March 2009
  { pattern: 'mmm d, yy', case: 'lower' }, // mar 3, 09
  { pattern: 'ddd, dd mmm yyyy', case: 'title' }, // Tue, 03 Mar 2009 (RFC 2822)
  { pattern: 'dd mmmm yyyy', case: 'upper' }, // 03 MARCH 2009
];

/** A format's name: its pattern, with the case appended unless lower (`'dddd, mmmm d, yyyy (upper)'`). */
export function dateFormatName(f: DateFormat): string {
  return f.case === 'lower' ? f.pattern : `${f.pattern} (${f.case})`;
}

const TOKENS = /yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|do|dd|d/g;
const pad2 = (n: number) => String(n).padStart(2, '0');

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Writes a date in a format. Names come out in the format's case. */
export function renderDate(parts: DateParts, format: DateFormat): string {
  const { year, month, day, weekday } = parts;
  const text = format.pattern.replace(TOKENS, (t) => {
    switch (t) {
      case 'yyyy': return String(year).padStart(4, '0');
      case 'yy': return pad2(year % 100);
      case 'mmmm': return MONTH_NAMES[month - 1]!;
      case 'mmm': return MONTH_NAMES[month - 1]!.slice(0, 3);
      case 'mm': return pad2(month);
      case 'm': return String(month);
      case 'dddd': return WEEKDAY_NAMES[weekday]!;
      case 'ddd': return WEEKDAY_NAMES[weekday]!.slice(0, 3);
      case 'do': return ordinal(day);
      case 'dd': return pad2(day);
      default: return String(day);
    }
  });
  if (format.case === 'upper') return text.toUpperCase();
  // \b keeps ordinals lower ('3rd'): there is no word boundary between the digit and the suffix.
  if (format.case === 'title') return text.replace(/\b[a-z]/g, (c) => c.toUpperCase());
  return text;
}
