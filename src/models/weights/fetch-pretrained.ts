/**
 * Known weights on this machine, downloaded when missing: the look-up order
 * of weights-lookup.ts, then a download into torch's hub cache (shared with
 * torchvision) from torchvision's host or the `CLASSIFIER_TRAINING_WEIGHTS_URL`
 * mirror. A file found in a folder is verified like a downloaded one.
 *
 * @example
 * const file = await fetchPretrained('convnext_tiny.imagenet1k_v1'); // ~/.cache/torch/hub/checkpoints/convnext_tiny-983f1562.pth
 */
import { join } from 'node:path';
import { SerializationError } from '../../errors.js';
import { findPretrained, pretrainedEntry, resolvePretrained } from '../pretrained-weights.js';
import { downloadFile, isWrongFile } from './download.js';
import type { DownloadOptions } from './download.js';
import { torchHubCheckpoints, weightsUrl } from './weights-lookup.js';
import type { WeightsLookupOptions } from './weights-lookup.js';

/** Where to look, and how to download. */
export type FetchPretrainedOptions = WeightsLookupOptions &
  Pick<DownloadOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'progress' | 'ca'>;

/**
 * The verified path of a known id's file, downloading it into torch's hub
 * cache when no folder has it. A failed download is a SerializationError
 * with the URL, the reason and where to put the file by hand.
 *
 * @example
 * await fetchPretrained('resnet50.imagenet1k_v2', { weightsDir: 'weights' });
 */
export async function fetchPretrained(id: string, options: FetchPretrainedOptions = {}): Promise<{ path: string; downloaded: boolean }> {
  const weights = pretrainedEntry(id, 'fetchPretrained');
  if (findPretrained(id, options) !== null) return { path: resolvePretrained(id, options), downloaded: false };
  const env = options.env ?? process.env;
  const cache = torchHubCheckpoints(env);
  const target = join(cache, weights.file);
  const url = weightsUrl(weights.file, env);
  try {
    await downloadFile({ ...options, env, url, target, sha256Prefix: weights.sha256Prefix, sha256: weights.sha256 });
  } catch (error) {
    if (!(error instanceof SerializationError)) throw error;
    // Fetching the same URL again would bring the same wrong file: point at torchvision's own copy instead.
    const hint = isWrongFile(error)
      ? `Put torchvision's file there by hand: mkdir -p ${cache} && curl -L -o ${target} ${weights.url} ` +
        "(through a network that does not rewrite it, or copy it from a machine's torch hub cache)"
      : `Offline? Put the file there by hand: mkdir -p ${cache} && curl -L -o ${target} ${url} ` +
        `(or copy it from a machine's torch hub cache, or set CLASSIFIER_TRAINING_WEIGHTS_URL to a mirror)`;
    throw new SerializationError(`${error.message}. ${hint}`, { cause: error });
  }
  return { path: target, downloaded: true };
}
