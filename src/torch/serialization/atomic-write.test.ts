/**
 * `linkFileAtomic`: a second name for a file without reading or writing its
 * bytes; a copy where hard links are refused; on failure the previous file
 * stays and no temporary file is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SerializationError } from '../../errors.js';
import { linkFileAtomic, writeFileAtomic } from './atomic-write.js';

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'atomic-write-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

void test('linkFileAtomic replaces the target by a hard link to the source; a later atomic write of either name leaves the other alone', (t) => {
  const dir = folder(t);
  const [source, target] = [path.join(dir, 'epoch=1.ckpt'), path.join(dir, 'last.ckpt')];
  writeFileAtomic(source, Buffer.from('new state'));
  writeFileAtomic(target, Buffer.from('old state'));
  linkFileAtomic(source, target);
  assert.equal(statSync(target).ino, statSync(source).ino);
  assert.equal(readFileSync(target, 'utf8'), 'new state');
  writeFileAtomic(target, Buffer.from('newer state'));
  assert.equal(readFileSync(source, 'utf8'), 'new state');
  assert.deepEqual(readdirSync(dir).sort(), ['epoch=1.ckpt', 'last.ckpt']);
});

void test('linkFileAtomic copies the file where the file system refuses hard links', (t) => {
  const dir = folder(t);
  const [source, target] = [path.join(dir, 'best.ckpt'), path.join(dir, 'last.ckpt')];
  writeFileAtomic(source, Buffer.from('state'));
  const linkSync = fs.linkSync;
  fs.linkSync = () => {
    throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
  };
  syncBuiltinESMExports();
  try {
    linkFileAtomic(source, target);
  } finally {
    fs.linkSync = linkSync;
    syncBuiltinESMExports();
  }
  assert.notEqual(statSync(target).ino, statSync(source).ino);
  assert.equal(readFileSync(target, 'utf8'), 'state');
  assert.deepEqual(readdirSync(dir).sort(), ['best.ckpt', 'last.ckpt']);
});

void test('a failed linkFileAtomic names both paths and the reason, and leaves the previous target and no temporary file', (t) => {
  const dir = folder(t);
  const [missing, target] = [path.join(dir, 'gone.ckpt'), path.join(dir, 'last.ckpt')];
  writeFileSync(target, 'previous');
  assert.throws(
    () => linkFileAtomic(missing, target, { what: 'checkpoint' }),
    (e: unknown) =>
      e instanceof SerializationError && e.message.includes(missing) && e.message.includes(target) && /ENOENT/.test(e.message),
  );
  assert.equal(readFileSync(target, 'utf8'), 'previous');
  assert.deepEqual(readdirSync(dir), ['last.ckpt']);
});
