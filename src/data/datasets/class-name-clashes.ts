/**
 * Class names that are one name to a reader but two to the file system:
 * `café` written precomposed (NFC, what most tools type) and decomposed (NFD,
 * what macOS file systems hand back) are different folder names, so they
 * would silently become two classes. Data sets warn about them.
 *
 * @example
 * for (const message of classNameClashes(['café', 'cafe\u0301'], 'ImageFolder', 'data/train')) log.warn(message);
 */

function unicodeForm(name: string): string {
  if (name === name.normalize('NFC')) return 'NFC';
  return name === name.normalize('NFD') ? 'NFD' : 'mixed form';
}

/** The name with its non-ASCII characters as code points, so two look-alike names read apart. */
function spelled(name: string): string {
  return [...name]
    .map((c) => (c.charCodeAt(0) < 0x80 ? c : `U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`))
    .join(' ');
}

/**
 * One warning per class name equal to an earlier one after Unicode (NFC)
 * normalization, naming both spellings and where they were found.
 *
 * @example
 * classNameClashes(['café', 'cafe\u0301'], 'ImageFolder', '/data/train');
 * // ["ImageFolder: class names 'café' (NFC: c a f U+00E9) and 'café' (NFD: c a f e U+0301) in /data/train are ..."]
 */
export function classNameClashes(names: readonly string[], component: string, where: string): string[] {
  const first = new Map<string, string>();
  const messages: string[] = [];
  for (const name of names) {
    const key = name.normalize('NFC');
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, name);
      continue;
    }
    const show = (n: string): string => `'${n}' (${unicodeForm(n)}: ${spelled(n)})`;
    messages.push(
      `${component}: class names ${show(earlier)} and ${show(name)} in ${where} are the same name in two Unicode forms: they are two classes here (rename one to merge them)`,
    );
  }
  return messages;
}
