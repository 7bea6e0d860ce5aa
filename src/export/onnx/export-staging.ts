/**
 * `ExportStaging`: an export is written into a hidden folder beside its
 * target (`.<name>.export-<pid>-<n>`), checked there, and only then renamed
 * into place, so a failed or killed export never replaces a good model with
 * an unchecked one. The files move together or not at all: each target that
 * already exists is first hard-linked into the staging folder, and a failed
 * rename puts back every file already moved. Staging folders of processes
 * that are gone (kill -9) are removed by the next export into that folder.
 *
 * @example
 * const staging = ExportStaging.create('outputs/run/export/model.onnx');
 * try {
 *   writeOnnxFile(staging.file('model.onnx'), built);
 *   staging.commit(['model.onnx', 'labels_mapping.json']);
 * } finally {
 *   staging.remove();
 * }
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsReason, SerializationError } from '../../errors.js';
import { processAlive } from '../../torch/serialization/atomic-write.js';

let counter = 0;

/** Removes the staging folders of exports to `target` whose process is gone. */
function removeStale(folder: string, target: string): void {
  const pattern = new RegExp(`^\\.${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.export-(\\d+)-\\d+$`);
  for (const name of readdirSync(folder)) {
    const pid = pattern.exec(name)?.[1];
    if (pid !== undefined && !processAlive(Number(pid))) rmSync(join(folder, name), { recursive: true, force: true });
  }
}

export class ExportStaging {
  /** The folder the files end up in. */
  readonly folder: string;
  /** The hidden folder they are written and checked in. */
  readonly dir: string;

  private constructor(folder: string, dir: string) {
    this.folder = folder;
    this.dir = dir;
  }

  /**
   * Makes the target's folder and a fresh staging folder in it, removing stale ones.
   *
   * @example
   * const staging = ExportStaging.create('export/model.onnx'); // staging.dir: export/.model.onnx.export-4242-0
   */
  static create(target: string): ExportStaging {
    const folder = dirname(target);
    const dir = join(folder, `.${basename(target)}.export-${process.pid}-${counter++}`);
    for (const [operation, path] of [
      ['create the folder', folder],
      ['create the staging folder', dir],
    ] as const) {
      try {
        mkdirSync(path, { recursive: true });
      } catch (error) {
        throw new SerializationError(`exportOnnx: expected to ${operation} ${path}, but got ${fsReason(error)}`, { cause: error });
      }
    }
    try {
      removeStale(folder, basename(target));
    } catch {
      // An unreadable folder listing only means stale staging folders stay.
    }
    return new ExportStaging(folder, dir);
  }

  /** The staged path of `name`. @example staging.file('model.onnx'); */
  file(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Renames the staged `names` into the folder, in order; on a failure puts
   * back the files already moved (the previous ones, or none) and throws.
   *
   * @example
   * staging.commit(['model.onnx.data', 'model.onnx', 'labels_mapping.json']);
   */
  commit(names: readonly string[]): void {
    const moved: { target: string; previous: string | null }[] = [];
    for (const name of names) {
      const target = join(this.folder, name);
      try {
        const previous = existsSync(target) ? this.keepPrevious(target, name) : null;
        renameSync(this.file(name), target);
        moved.push({ target, previous });
      } catch (error) {
        this.undo(moved);
        throw new SerializationError(
          `exportOnnx: expected to rename ${this.file(name)} to ${target}, but got ${fsReason(error)}; the previous export (if any) is unchanged`,
          { cause: error },
        );
      }
    }
  }

  /** Removes the staging folder and whatever is left in it. @example staging.remove(); */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A second name for the current target inside the staging folder (a copy where links are refused). */
  private keepPrevious(target: string, name: string): string {
    const previous = this.file(`${name}.previous`);
    try {
      linkSync(target, previous);
    } catch {
      copyFileSync(target, previous);
    }
    return previous;
  }

  private undo(moved: readonly { target: string; previous: string | null }[]): void {
    for (const { target, previous } of [...moved].reverse()) {
      try {
        if (previous === null) rmSync(target, { force: true });
        else renameSync(previous, target);
      } catch {
        // Best effort: the error being reported is the rename that failed.
      }
    }
  }
}
