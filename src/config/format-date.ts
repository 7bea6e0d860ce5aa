/**
 * A small date formatter for `${now:...}`: moment-style tokens (`YYYY`,
 * `MM`, `DD`, `HH`, `mm`, `ss`, `SSS`) and Hydra's strftime ones (`%Y`,
 * `%m`, `%d`, `%H`, `%M`, `%S`), in local time.
 *
 * @example
 * formatDate(new Date(2026, 10, 26, 17, 40, 5), 'YYYY-MM-DD/HH-mm-ss'); // '2026-11-26/17-40-05'
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Formats `date` (local time) with moment-style or strftime tokens; other characters are kept. */
export function formatDate(date: Date, format: string): string {
  const fields: Record<string, string> = {
    YYYY: String(date.getFullYear()),
    YY: pad(date.getFullYear() % 100),
    MM: pad(date.getMonth() + 1),
    DD: pad(date.getDate()),
    HH: pad(date.getHours()),
    mm: pad(date.getMinutes()),
    ss: pad(date.getSeconds()),
    SSS: pad(date.getMilliseconds(), 3),
  };
  const strftime: Record<string, string> = {
    Y: fields.YYYY,
    y: fields.YY,
    m: fields.MM,
    d: fields.DD,
    H: fields.HH,
    M: fields.mm,
    S: fields.ss,
    f: pad(date.getMilliseconds() * 1000, 6),
    '%': '%',
  };
  return format.replace(/%([YymdHMSf%])|YYYY|YY|MM|DD|HH|mm|ss|SSS/g, (token, code: string | undefined) =>
    code === undefined ? fields[token] : strftime[code],
  );
}
