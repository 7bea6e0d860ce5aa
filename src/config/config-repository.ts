/**
 * The config search path: a list of folders searched in order (a user's
 * `--config-dir` first, then the package's `conf/`), where a folder is a
 * config group and a `.yaml` file in it is one of its options.
 *
 * @example
 * const repo = new ConfigRepository(['my-conf', 'conf']);
 * repo.find('model/resnet18'); // 'conf/model/resnet18.yaml'
 * repo.options('model'); // ['resnet18', 'resnet34', 'resnet50']
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const EXTENSIONS = ['.yaml', '.yml'];

/** Config files and groups across a search path of folders. */
export class ConfigRepository {
  constructor(readonly configDirs: readonly string[]) {}

  /** The first file for `name` (`config`, `model/resnet18`) along the search path, or undefined. */
  find(name: string): string | undefined {
    for (const dir of this.configDirs) {
      for (const ext of EXTENSIONS) {
        const file = join(dir, name + ext);
        if (existsSync(file) && statSync(file).isFile()) return file;
      }
    }
    return undefined;
  }

  /** True when some folder of the search path has a group (a sub-folder) named `group`. */
  isGroup(group: string): boolean {
    return this.configDirs.some((dir) => {
      const path = join(dir, group);
      return existsSync(path) && statSync(path).isDirectory();
    });
  }

  /** The options of `group` ('' for the primary configs) across the search path, sorted. */
  options(group: string): string[] {
    const names = new Set<string>();
    for (const dir of this.configDirs) {
      const path = join(dir, group);
      if (!existsSync(path) || !statSync(path).isDirectory()) continue;
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        const ext = EXTENSIONS.find((e) => entry.name.endsWith(e));
        if (entry.isFile() && ext !== undefined) names.add(entry.name.slice(0, -ext.length));
      }
    }
    return [...names].sort();
  }
}
