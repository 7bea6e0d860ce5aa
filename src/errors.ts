/**
 * The project's error classes. Messages read
 * `<component>: expected <X>, but got <Y>`, list the valid choices when there
 * is a fixed set, and name the escape hatch when there is one.
 *
 * @example
 * throw new DataError('ImageFolder: expected a train/ folder under /data/pets, but got none', { cause });
 */

/** Base class: every error this project throws on purpose. */
export class ClassifierTrainingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration key or value is wrong (config files, overrides, options objects). */
export class ConfigError extends ClassifierTrainingError {
  /** Every problem found, each with its dotted path (and file:line when known). */
  readonly issues: readonly { path: string; message: string; location?: string }[];
  constructor(
    message: string,
    issues: readonly { path: string; message: string; location?: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.issues = issues;
  }
}

/** A data set, an image file or an annotation is unusable. */
export class DataError extends ClassifierTrainingError {}

/** A file of weights, a checkpoint or an export cannot be read or written. */
export class SerializationError extends ClassifierTrainingError {}

/** Shapes, dtypes or devices do not fit together (a state dict that does not match a model, say). */
export class ShapeError extends ClassifierTrainingError {}

/** A training run cannot go on (a non-finite loss, a metric a callback needs is never logged at run time). */
export class TrainingError extends ClassifierTrainingError {}

const fsReasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'a read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a file where a folder was expected',
  EISDIR: 'a folder where a file was expected',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
};

/**
 * The reason of a file-system error in words, with its code:
 * "EACCES (permission denied)". Errors that carry no code give their message.
 *
 * @example
 * `run: expected to create ${dir}, but got ${fsReason(error)}`;
 */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') return fsReasons[code] === undefined ? code : `${code} (${fsReasons[code]})`;
  return error instanceof Error ? error.message : String(error);
}
