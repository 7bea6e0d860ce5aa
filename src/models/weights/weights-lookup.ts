/**
 * Where known weights files are looked for, in order, and where they come
 * from. The order:
 * 1. the configured `weightsDir` (a run's own choice wins);
 * 2. torch's hub cache, `$TORCH_HOME/hub/checkpoints` (default
 *    `$XDG_CACHE_HOME/torch` or `~/.cache/torch`), the folder torchvision
 *    itself downloads into, so a user of both downloads each file once; our
 *    downloads go there too;
 * 3. `~/.cache/classifier-training/weights`, where earlier releases told
 *    users to put files by hand: still read, so those copies are not fetched
 *    again, but after the shared cache, which is the one kept up to date.
 * Files come from `https://download.pytorch.org/models/`, or from the mirror
 * named by `CLASSIFIER_TRAINING_WEIGHTS_URL`.
 *
 * @example
 * weightsSearchDirs({ weightsDir: 'weights' }); // ['/abs/weights', '/home/me/.cache/torch/hub/checkpoints', '/home/me/.cache/classifier-training/weights']
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../errors.js';

/** The variable that points downloads at a mirror (or a test's local server). */
export const WEIGHTS_URL_ENV = 'CLASSIFIER_TRAINING_WEIGHTS_URL';

/** torchvision's download host. */
export const defaultWeightsUrl = 'https://download.pytorch.org/models/';

const expandHome = (p: string): string => (p === '~' || p.startsWith('~/') ? path.join(homedir(), p.slice(1)) : p);

/**
 * torch.hub's checkpoint folder, as `torch.hub.get_dir()` works it out.
 *
 * @example
 * torchHubCheckpoints({ TORCH_HOME: '/data/torch' }); // '/data/torch/hub/checkpoints'
 */
export function torchHubCheckpoints(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  const torchHome = env.TORCH_HOME !== undefined && env.TORCH_HOME !== '' ? env.TORCH_HOME : path.join(cache, 'torch');
  return path.resolve(expandHome(torchHome), 'hub', 'checkpoints');
}

/** The project's own folder of earlier releases (looked in last). @example projectWeightsDir(); */
export const projectWeightsDir = (): string => path.join(homedir(), '.cache', 'classifier-training', 'weights');

/** Where to look for a file. */
export interface WeightsLookupOptions {
  /** Looked in first (a relative path is taken from the working directory). */
  weightsDir?: string | null;
  /** TORCH_HOME, XDG_CACHE_HOME and the mirror variable (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The folders looked in, in order, without repeats.
 *
 * @example
 * weightsSearchDirs({ env: { TORCH_HOME: '/t' } }); // ['/t/hub/checkpoints', '~/.cache/classifier-training/weights']
 */
export function weightsSearchDirs(options: WeightsLookupOptions = {}): string[] {
  const dirs = [
    ...(options.weightsDir == null ? [] : [path.resolve(expandHome(options.weightsDir))]),
    torchHubCheckpoints(options.env),
    projectWeightsDir(),
  ];
  return [...new Set(dirs)];
}

/**
 * The URL of a weights file: torchvision's, or under the mirror `CLASSIFIER_TRAINING_WEIGHTS_URL` names.
 *
 * @example
 * weightsUrl('resnet18-f37072fd.pth', { CLASSIFIER_TRAINING_WEIGHTS_URL: 'http://mirror.local/torch' }); // 'http://mirror.local/torch/resnet18-f37072fd.pth'
 */
export function weightsUrl(file: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env[WEIGHTS_URL_ENV];
  const root = base === undefined || base === '' ? defaultWeightsUrl : base.endsWith('/') ? base : `${base}/`;
  // Checked here so a path or an ftp:// mirror is a clear refusal before any file is touched, not a crash of Node's http.
  const protocol = URL.canParse(root) ? new URL(root).protocol : null;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new ConfigError(`${WEIGHTS_URL_ENV}: expected an http:// or https:// URL of a folder of weights files, but got '${base}'`, [
      { path: WEIGHTS_URL_ENV, message: `expected an http:// or https:// URL, but got '${base}'` },
    ]);
  }
  return new URL(file, root).href;
}
