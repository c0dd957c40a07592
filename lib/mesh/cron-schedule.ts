import { MeshforgeError } from '../validation/meshforge-error';

/*
 * The CronJob schedule grammar the Kubernetes controller parses (robfig/cron's
 * standard parser): five fields, or one of the @-descriptors. Checked at synth
 * time: the API server accepts a CronJob whose schedule it cannot parse only
 * to reject it, and a wrong field order (e.g. "0 30 2 * *") runs at the wrong
 * time silently.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names (JAN, MON...) and the number the first one stands for. */
  readonly names?: readonly string[];
  readonly namesFrom?: number;
  /** `?` means "any" in the day fields. */
  readonly question?: boolean;
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 6, names: DAYS, namesFrom: 0, question: true },
];

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** The error in one field of a schedule, or undefined when it parses. */
function fieldError(text: string, f: Field): string | undefined {
  const value = (v: string): number | undefined => {
    if (/^\d+$/.test(v)) return Number(v);
    const i = f.names?.indexOf(v.toUpperCase()) ?? -1;
    return i >= 0 ? i + (f.namesFrom ?? 0) : undefined;
  };
  for (const item of text.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `"${item}" has an invalid step (a whole number ≥ 1 after one "/")`;
    if (range === '*' || (range === '?' && f.question)) continue;
    const [from, to, more] = range.split('-');
    const a = value(from);
    const b = to === undefined ? a : value(to);
    if (more !== undefined || a === undefined || b === undefined) return `"${item}" is not a number${f.names ? ', a name' : ''}, a range or "*"`;
    if (a < f.min || b > f.max || a > b) return `"${item}" is outside ${f.min}-${f.max}`;
  }
  return undefined;
}

/**
 * The values a parsed field matches, and whether it is a plain `*` or `?` (robfig/cron's "star
 * bit": set for `*` and `?`, cleared by a step above 1; `N/step` means `N-max/step`).
 * @see https://github.com/robfig/cron/blob/v3.0.1/parser.go (getRange)
 */
function expand(text: string, f: Field): { readonly values: ReadonlySet<number>; readonly star: boolean } {
  const value = (v: string): number => (/^\d+$/.test(v) ? Number(v) : f.names!.indexOf(v.toUpperCase()) + (f.namesFrom ?? 0));
  const values = new Set<number>();
  let star = false;
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      [from, to] = [f.min, f.max];
      star ||= step === 1;
    } else {
      const [a, b] = range.split('-');
      from = value(a);
      to = b !== undefined ? value(b) : stepText !== undefined ? f.max : from;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return { values, star };
}

/** The most days each month can have (February 29 in leap years). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A day-of-month/month pair that never occurs ("0 0 30 2 *"): the controller accepts the
 * schedule and never starts a job. robfig/cron matches the day by day of month AND day of week
 * when either is `*`/`?`, by day of month OR day of week otherwise, so only a day of month
 * restricted with a `*` day of week can make it impossible.
 */
function neverRuns(parts: readonly string[]): string | undefined {
  const dom = expand(parts[2], FIELDS[2]);
  const dow = expand(parts[4], FIELDS[4]);
  if (dom.star || !dow.star) return undefined;
  const months = [...expand(parts[3], FIELDS[3]).values];
  if (months.some((m) => [...dom.values].some((d) => d <= DAYS_IN_MONTH[m - 1]))) return undefined;
  const names = months.map((m) => MONTHS[m - 1]).join(', ');
  return `day of month ${parts[2]} never occurs in ${names} (at most ${Math.max(...months.map((m) => DAYS_IN_MONTH[m - 1]))} days): the CronJob would never run`;
}

/** Throws CRON_SCHEDULE unless Kubernetes' CronJob controller parses `schedule` and it can ever run. */
export function requireCronSchedule(path: string, field: string, schedule: string): void {
  const fail = (why: string, expected: string) => new MeshforgeError(`invalid cron schedule: ${why}`, { code: 'CRON_SCHEDULE', path, field, value: schedule, expected });
  const five = 'five fields "minute hour day-of-month month day-of-week" (e.g. "30 2 * * *" for 02:30 every day) or one of ' + DESCRIPTORS.join(', ');
  const s = schedule.trim();
  if (/^(CRON_)?TZ=/.test(s)) throw fail('time zone in the schedule', 'the schedule without TZ=...; set timeZone instead (Kubernetes does not support TZ in the schedule)');
  if (s.startsWith('@')) {
    if (!DESCRIPTORS.includes(s)) throw fail(`unknown descriptor ${s.split(/\s/)[0]}`, five);
    return;
  }
  const parts = s.split(/\s+/);
  if (parts.length !== 5) throw fail(`${parts.length} field(s)`, five);
  parts.forEach((part, i) => {
    const why = fieldError(part, FIELDS[i]);
    if (why) throw fail(`${FIELDS[i].name} ${why}`, five);
  });
  const never = neverRuns(parts);
  if (never) throw fail(never, 'a day of month that exists in the chosen months (February has 29 days at most, April, June, September and November 30), or a day of week');
}

/**
 * Whether the tz database Node carries (ICU) knows `tz`: the API server rejects a CronJob whose
 * timeZone Go's time.LoadLocation cannot load (pkg/apis/batch/validation, validateTimeZone).
 */
function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Throws CRON_TIME_ZONE unless `tz` is shaped like an IANA time zone name ("Etc/UTC", "Europe/Paris"). */
export function requireTimeZone(path: string, field: string, tz: string | undefined): void {
  if (tz === undefined) return;
  if (!/^(UTC|GMT|[A-Z][A-Za-z_+-]*(\/[A-Za-z0-9_+-]+)+)$/.test(tz) || tz.length > 64 || !knownTimeZone(tz)) {
    throw new MeshforgeError('invalid time zone', {
      code: 'CRON_TIME_ZONE',
      path,
      field,
      value: tz,
      expected: 'an IANA time zone name, e.g. "Etc/UTC" or "Europe/Paris" (the API server checks it against its tz database)',
    });
  }
}
