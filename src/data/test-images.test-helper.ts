/**
 * Test helpers: tiny solid-colour images written with sharp into a temp
 * folder, so data tests need no fixture files.
 *
 * @example
 * const root = await makeTempDir();
 * await writeSolidImage(path.join(root, 'train/cat/1.png'), { color: [255, 0, 0] });
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/** A fresh empty folder under the OS temp dir. */
export async function makeTempDir(prefix = 'ct-data-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/**
 * Writes a solid-colour image (format from the extension: png, jpg/jpeg, webp), making parent folders.
 *
 * @example
 * await writeSolidImage('/tmp/x/train/dog/a.jpg', { color: [0, 0, 255], width: 8, height: 6 });
 */
export async function writeSolidImage(
  file: string,
  options: { color: [number, number, number]; width?: number; height?: number },
): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const image = sharp({
    create: {
      width: options.width ?? 4,
      height: options.height ?? 4,
      channels: 3,
      background: { r: options.color[0], g: options.color[1], b: options.color[2] },
    },
  });
  const ext = path.extname(file).toLowerCase();
  const encoded =
    ext === '.jpg' || ext === '.jpeg' ? image.jpeg({ quality: 95 }) : ext === '.webp' ? image.webp({ lossless: true }) : image.png();
  await writeFile(file, await encoded.toBuffer());
  return file;
}

/** Writes text (or bytes) to a file, making parent folders. */
export async function writeText(file: string, content: string | Buffer): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}
