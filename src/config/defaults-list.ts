/**
 * Hydra's defaults lists: a config's `defaults:` names the group options
 * (`- model: resnet18`), other configs (`- base`) and `_self_` (the config's
 * own keys) to merge, in order. Entries may be `optional`, set a group to
 * `null` (drop it), or `override` a group chosen deeper in the tree; the
 * command line chooses (`model=resnet50`), adds (`+group=option`) and drops
 * (`~group`) groups. Without `_self_` a config's own keys come last
 * (Hydra 1.1+). An option of group `a/b` lands under the key `a.b` unless its
 * file says `# @package _global_` (or another package).
 *
 * @example
 * const { pieces, choices } = buildDefaultsList({ repository: new ConfigRepository(['conf']), configName: 'config', groupOverrides: [] });
 * choices.model; // 'resnet18'
 */
import { posix } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ConfigRepository } from './config-repository.js';
import { didYouMeanSuffix } from './did-you-mean.js';
import { isConfigObject, splitKey } from './key-path.js';
import type { ConfigObject, KeySegment } from './key-path.js';
import { loadYamlFile } from './load-yaml.js';
import { dropSources, formatSource } from './source-map.js';
import type { SourceMap } from './source-map.js';

/** A group's option: one name, several (merged in order), or null for none. */
export type GroupOption = string | string[] | null;

/** A command-line override that chooses (`model=x`), adds (`+model=x`, `++model=x`: add or choose) or drops (`~model`) a group. */
export interface GroupOverride {
  text: string;
  type: 'change' | 'add' | 'forceAdd' | 'delete';
  group: string;
  /** The option; undefined for `~group` without a value. */
  option?: GroupOption;
}

/** One config file to merge, with the package (key path) it lands at. */
export interface ConfigPiece {
  /** `config`, `model/resnet18`. */
  name: string;
  file: string;
  package: KeySegment[];
  value: ConfigObject;
  sources: SourceMap;
}

/** The configs to merge, in merge order, and the option chosen for every group. */
export interface DefaultsResult {
  pieces: ConfigPiece[];
  choices: Record<string, GroupOption>;
}

type Entry =
  | { kind: 'self' }
  | { kind: 'config'; name: string; optional: boolean; where: string }
  | { kind: 'group'; group: string; option: GroupOption; optional: boolean; override: boolean; where: string; added?: GroupOverride };

const fail = (message: string, path: string, location: string): never => {
  throw new ConfigError(message, [{ path, message, location }]);
};

function toOption(value: unknown, where: string): GroupOption {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => String(v));
  if (typeof value === 'object')
    return fail(`defaults: expected an option name, a list of names or null, but got a mapping (${where})`, '', where);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function parseEntries(raw: unknown, file: string, sources: SourceMap): Entry[] {
  if (raw === undefined || raw === null) return [];
  const at = (key: string): string => formatSource(sources.get(key)) ?? file;
  if (!Array.isArray(raw)) return fail(`defaults: expected a list, but got ${typeof raw} (${at('defaults')})`, 'defaults', at('defaults'));
  return raw.map((item: unknown, i): Entry => {
    const where = at(`defaults[${i}]`);
    if (item === '_self_') return { kind: 'self' };
    if (typeof item === 'string') return { kind: 'config', name: item, optional: false, where };
    if (!isConfigObject(item) || Object.keys(item).length !== 1) {
      return fail(
        `defaults: expected \`- group: option\`, \`- name\` or \`- _self_\`, but got ${JSON.stringify(item)} (${where})`,
        '',
        where,
      );
    }
    const [key, value] = Object.entries(item)[0];
    const words = key.trim().split(/\s+/);
    const group = words.pop()!;
    const bad = words.find((w) => w !== 'optional' && w !== 'override');
    if (bad !== undefined || group.includes('@')) {
      fail(`defaults: expected \`[optional|override] group: option\`, but got \`${key}\` (${where})`, '', where);
    }
    const optional = words.includes('optional');
    const override = words.includes('override');
    return { kind: 'group', group, option: toOption(value, where), optional, override, where };
  });
}

/** Expands a primary config's defaults tree into the list of configs to merge. */
export function buildDefaultsList(options: {
  repository: ConfigRepository;
  configName: string;
  groupOverrides: readonly GroupOverride[];
}): DefaultsResult {
  // As in Hydra, a config's `override` applies wherever the group stands in the tree: an experiment listed
  // last may override `data`, chosen before it. Such an override is found once the tree is built, and the
  // tree is built again with it known from the start (an override may bring others: a few rounds at most).
  let seeded = new Map<string, SeededOverride>();
  for (let round = 0; ; round++) {
    const builder = new DefaultsBuilder(options.repository, options.groupOverrides, seeded);
    const result = builder.run(options.configName, round < 4);
    if (result !== null) return result;
    seeded = builder.configOverrides;
  }
}

/** An `override group: option` entry found in a config, and whether a group of the tree took it. */
interface SeededOverride {
  option: GroupOption;
  where: string;
  used: boolean;
}

class DefaultsBuilder {
  readonly pieces: ConfigPiece[] = [];
  readonly choices: Record<string, GroupOption> = {};
  readonly commandLine = new Map<string, GroupOverride>();
  readonly adds: GroupOverride[] = [];
  readonly configOverrides = new Map<string, SeededOverride>();
  readonly used = new Set<string>();
  readonly stack: string[] = [];

  constructor(
    readonly repository: ConfigRepository,
    groupOverrides: readonly GroupOverride[],
    seeded: ReadonlyMap<string, SeededOverride> = new Map(),
  ) {
    for (const o of groupOverrides) {
      if (o.type === 'add') this.adds.push(o);
      else this.commandLine.set(o.group, o);
    }
    for (const [group, o] of seeded) this.configOverrides.set(group, { ...o, used: false });
  }

  /** The defaults list; null when an override came after its group was chosen (and `retry`): build again, seeded with them. */
  run(configName: string, retry = false): DefaultsResult | null {
    const file = this.repository.find(configName);
    if (file === undefined) {
      const names = this.repository.options('');
      fail(
        `compose: expected a primary config among ${names.join(', ') || '(none)'}${didYouMeanSuffix(configName, names)} in ${this.repository.configDirs.join(', ')}, but got '${configName}'`,
        '',
        '--config-name',
      );
    }
    this.expand(configName, file!, '', [], true);
    const late = [...this.configOverrides].some(([group, o]) => !o.used && Object.hasOwn(this.choices, group));
    if (late && retry) return null;
    this.checkUnused();
    return { pieces: this.pieces, choices: this.choices };
  }

  expand(name: string, file: string, group: string, pkg: KeySegment[], primary: boolean): void {
    if (this.stack.includes(name)) fail(`defaults: expected no cycle, but got ${[...this.stack, name].join(' -> ')}`, '', file);
    this.stack.push(name);
    const loaded = loadYamlFile(file);
    const raw = loaded.value ?? {};
    if (!isConfigObject(raw))
      fail(`config: expected a mapping at the top of ${file}, but got ${Array.isArray(raw) ? 'a list' : typeof raw}`, '', file);
    const { defaults, ...value } = raw as ConfigObject;
    const entries = parseEntries(defaults, file, loaded.sources);
    const sources = new Map(loaded.sources);
    dropSources(sources, 'defaults');
    const directive = loaded.packageDirective;
    const ownPackage =
      directive === undefined ? pkg : directive === '_global_' ? [] : directive === '_group_' ? group.split('/') : splitKey(directive);
    for (const e of entries) {
      if (e.kind !== 'group' || !e.override) continue;
      const abs = absoluteName(e.group, group);
      if (!this.configOverrides.has(abs)) this.configOverrides.set(abs, { option: e.option, where: e.where, used: false });
    }
    if (!entries.some((e) => e.kind === 'self')) entries.push({ kind: 'self' });
    if (primary) this.placeForced(entries);
    if (primary)
      for (const a of this.adds)
        entries.push({
          kind: 'group',
          group: a.group,
          option: a.option ?? null,
          optional: false,
          override: false,
          where: `override '${a.text}'`,
          added: a,
        });
    for (const e of entries) {
      if (e.kind === 'self') this.pieces.push({ name, file, package: ownPackage, value, sources });
      else if (e.kind === 'config') this.expandConfig(e, group, pkg);
      else if (!e.override) this.expandGroup(e, group, pkg);
    }
    this.stack.pop();
  }

  /** `++group=x` chooses the option when the primary config lists the group, and adds the group otherwise. */
  placeForced(entries: Entry[]): void {
    for (const [group, o] of this.commandLine) {
      if (o.type !== 'forceAdd') continue;
      const listed = entries.some((e) => e.kind === 'group' && !e.override && absoluteName(e.group, '') === group);
      if (listed) this.commandLine.set(group, { ...o, type: 'change' });
      else {
        this.commandLine.delete(group);
        this.adds.push({ ...o, type: 'add' });
      }
    }
  }

  expandConfig(e: Extract<Entry, { kind: 'config' }>, group: string, pkg: KeySegment[]): void {
    const name = absoluteName(e.name, group);
    const file = this.repository.find(name);
    if (file === undefined) return this.missing(posix.dirname(name) === '.' ? '' : posix.dirname(name), posix.basename(name), e.where);
    this.expand(name, file, posix.dirname(name) === '.' ? '' : posix.dirname(name), pkg, false);
  }

  expandGroup(e: Extract<Entry, { kind: 'group' }>, group: string, pkg: KeySegment[]): void {
    const abs = absoluteName(e.group, group);
    if (Object.hasOwn(this.choices, abs)) {
      const hint = e.added ? `; choose its option with \`${e.added.text.slice(1)}\`` : '';
      fail(`defaults: expected each group once in the defaults list, but got \`${abs}\` again (${e.where})${hint}`, abs, e.where);
    }
    const cli = this.commandLine.get(abs);
    const fromConfig = this.configOverrides.get(abs);
    if (cli !== undefined) this.used.add(abs);
    if (fromConfig !== undefined) fromConfig.used = true;
    if (cli?.type === 'delete') {
      if (cli.option !== undefined && JSON.stringify(cli.option) !== JSON.stringify(fromConfig?.option ?? e.option)) {
        fail(
          `override '${cli.text}': expected \`${abs}\` to be ${JSON.stringify(cli.option)} to drop it, but got ${JSON.stringify(e.option)}`,
          abs,
          `override '${cli.text}'`,
        );
      }
      this.choices[abs] = null;
      return;
    }
    const option = cli !== undefined ? (cli.option ?? null) : fromConfig !== undefined ? fromConfig.option : e.option;
    const where = cli !== undefined ? `override '${cli.text}'` : (fromConfig?.where ?? e.where);
    this.choices[abs] = option;
    if (option === null) return;
    const childPackage = e.group.startsWith('/') ? abs.split('/') : [...pkg, ...e.group.split('/')];
    for (const opt of Array.isArray(option) ? option : [option]) {
      if (opt === '???') {
        const list = this.repository.options(abs).join(', ');
        fail(
          `defaults: expected an option for group \`${abs}\` among ${list}, but got \`???\` (${where}); choose one with \`${abs}=<option>\``,
          abs,
          where,
        );
      }
      const file = this.repository.find(`${abs}/${opt}`);
      if (file === undefined) {
        if (e.optional) continue;
        this.missing(abs, opt, where);
      }
      this.expand(`${abs}/${opt}`, file, abs, childPackage, false);
    }
  }

  missing(group: string, option: string, where: string): never {
    const names = this.repository.options(group);
    const what = group === '' ? 'a config' : `an option of group \`${group}\``;
    return fail(
      `defaults: expected ${what} among ${names.join(', ') || '(none)'}${didYouMeanSuffix(option, names)}, but got '${option}' (${where})`,
      group,
      where,
    );
  }

  checkUnused(): void {
    const groups = Object.keys(this.choices);
    const issues: { path: string; message: string; location: string }[] = [];
    for (const [group, o] of this.commandLine) {
      if (this.used.has(group)) continue;
      const hint = o.type === 'delete' ? '' : `; to add it use \`+${o.text}\``;
      const message = `override '${o.text}': expected a group of the defaults list (${groups.join(', ')})${didYouMeanSuffix(group, groups)}, but got \`${group}\`${hint}`;
      issues.push({ path: group, message, location: `override '${o.text}'` });
    }
    for (const [group, o] of this.configOverrides) {
      if (o.used) continue;
      const message = `defaults: expected \`override ${group}\` to name a group of the defaults list (${groups.join(', ')})${didYouMeanSuffix(group, groups)}, but got \`${group}\` (${o.where})`;
      issues.push({ path: group, message, location: o.where });
    }
    if (issues.length > 0) throw new ConfigError(issues.map((i) => i.message).join('\n'), issues);
  }
}

function absoluteName(name: string, group: string): string {
  if (name.startsWith('/')) return name.slice(1);
  return group === '' ? name : `${group}/${name}`;
}
