import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import sharp from 'sharp';
import { DataError } from '../../errors.js';
import { registry } from '../../registry.js';
import { TensorBoardLogger } from './tensorboard-logger.js';
import { eventType } from './tfevents/schema.js';
import { frameRecord, maskedCrc32c } from './tfevents/tfrecord.js';

// ---- an independent reader: TFRecord framing and raw protobuf wire format ----

function mask(data: Uint8Array): number {
  const c = crc32c(data) >>> 0;
  return (((c >>> 15) | ((c << 17) >>> 0)) + 0xa282ead8) % 2 ** 32;
}

/** Splits an event file into record payloads, checking both CRCs of every record. */
function readRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let at = 0;
  while (at < file.length) {
    const length = Number(file.readBigUInt64LE(at));
    assert.equal(file.readUInt32LE(at + 8), mask(file.subarray(at, at + 8)), `length CRC of the record at byte ${at}`);
    const data = file.subarray(at + 12, at + 12 + length);
    assert.equal(file.readUInt32LE(at + 12 + length), mask(data), `data CRC of the record at byte ${at}`);
    records.push(data);
    at += 12 + length + 4;
  }
  assert.equal(at, file.length);
  return records;
}

type Wire = { wire: 0; value: bigint } | { wire: 1 | 5 | 2; bytes: Buffer };

/** Protobuf wire format → field number → values in order. */
function decode(buf: Buffer): Map<number, Wire[]> {
  const fields = new Map<number, Wire[]>();
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[at++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    let entry: Wire;
    if (wire === 0) entry = { wire, value: varint() };
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      entry = { wire, bytes: buf.subarray(at, at + size) };
      at += size;
    } else if (wire === 2) {
      const size = Number(varint());
      entry = { wire, bytes: buf.subarray(at, at + size) };
      at += size;
    } else throw new Error(`wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), entry]);
  }
  return fields;
}

const bytesOf = (m: Map<number, Wire[]>, f: number): Buffer[] => (m.get(f) ?? []).map((w) => (w.wire === 0 ? Buffer.alloc(0) : w.bytes));
const one = (m: Map<number, Wire[]>, f: number): Buffer | undefined => bytesOf(m, f)[0];
const str = (m: Map<number, Wire[]>, f: number): string | undefined => one(m, f)?.toString('utf8');
const int = (m: Map<number, Wire[]>, f: number): number | undefined => {
  const w = m.get(f)?.[0];
  return w?.wire === 0 ? Number(w.value) : undefined;
};

interface ReadEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  /** Summary values: tag, field map of the value. */
  values: { tag: string; fields: Map<number, Wire[]> }[];
}

function readEvents(path: string): ReadEvent[] {
  return readRecords(readFileSync(path)).map((data) => {
    const e = decode(data);
    const summary = one(e, 5);
    const values = summary === undefined ? [] : bytesOf(decode(summary), 1).map((v) => decode(v));
    return {
      wallTime: one(e, 1)?.readDoubleLE(0) ?? 0,
      step: int(e, 2) ?? 0,
      fileVersion: str(e, 3),
      values: values.map((fields) => ({ tag: str(fields, 1) ?? '', fields })),
    };
  });
}

/** HParamsPluginData of an hparams summary value (metadata 9 → plugin_data 1 → name 1, content 2). */
function hparamsData(fields: Map<number, Wire[]>): Map<number, Wire[]> {
  const pluginData = decode(one(decode(one(fields, 9) as Buffer), 1) as Buffer);
  assert.equal(str(pluginData, 1), 'hparams');
  return decode(one(pluginData, 2) ?? Buffer.alloc(0));
}

/** google.protobuf.Value → number | string | boolean. */
function protoValue(buf: Buffer): number | string | boolean {
  const v = decode(buf);
  if (v.has(2)) return (one(v, 2) as Buffer).readDoubleLE(0);
  if (v.has(3)) return str(v, 3) as string;
  return int(v, 4) === 1;
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tb-logger-'));
}

// ---- tests ----

const golden = JSON.parse(readFileSync('test/fixtures/tfevents/golden.json', 'utf8')) as {
  crc: { hex: string; crc32c: number; masked: number }[];
  records: { wallTime: number; step?: number; fileVersion?: string; tag?: string; simpleValue?: number; framedHex: string }[];
};

void test('masked CRC32C and framed records match the Python reference byte for byte', () => {
  for (const { hex, crc32c: crc, masked } of golden.crc) {
    const data = Buffer.from(hex, 'hex');
    assert.equal(crc32c(data) >>> 0, crc, `crc32c of ${hex.slice(0, 16)}`);
    assert.equal(maskedCrc32c(data), masked, `masked crc32c of ${hex.slice(0, 16)}`);
  }
  const [header, scalar] = golden.records;
  const headerBytes = eventType.encode(eventType.create({ wallTime: header.wallTime, fileVersion: header.fileVersion })).finish();
  assert.equal(frameRecord(headerBytes).toString('hex'), header.framedHex);
  const scalarBytes = eventType
    .encode(
      eventType.create({
        wallTime: scalar.wallTime,
        step: scalar.step,
        summary: { value: [{ tag: scalar.tag, simpleValue: scalar.simpleValue }] },
      }),
    )
    .finish();
  assert.equal(frameRecord(scalarBytes).toString('hex'), scalar.framedHex);
});

void test('the test reader rejects a record with a flipped byte', () => {
  const framed = Buffer.from(golden.records[1].framedHex, 'hex');
  readRecords(framed);
  const data = Buffer.from(framed);
  data[20] ^= 1;
  assert.throws(() => readRecords(data), /data CRC/);
  const length = Buffer.from(framed);
  length[9] ^= 1;
  assert.throws(() => readRecords(length), /length CRC/);
});

void test('scalars, an image and hparams read back from the event file', async () => {
  const dir = await tempDir();
  try {
    const png = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 200, g: 10, b: 30, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const tb = new TensorBoardLogger();
    await tb.setup(dir, { resumed: false });
    tb.logHyperparams({ model: { name: 'resnet18', pretrained: false }, optimizer: { lr: 0.1 }, tags: ['a', 'b'] });
    await tb.logMetrics({ 'train/loss_step': 2.5 }, { step: 1, epoch: 0 });
    await tb.logMetrics({ 'train/loss': 0.412, 'val/acc_top1': 0.871 }, { step: 40, epoch: 0 });
    tb.logImage('plots/confusion', png, { step: 40, epoch: 0 });
    await tb.finalize('success');

    const files = await readdir(dir);
    assert.equal(files.length, 1);
    assert.match(files[0], /^events\.out\.tfevents\.\d{10}\.[^.]+(\.[^.]+)*\.\d+\.\d+$/);
    assert.ok(files[0].includes(`.${process.pid}.`));
    const events = readEvents(join(dir, files[0]));

    assert.equal(events[0].fileVersion, 'brain.Event:2');
    assert.ok(Math.abs(events[0].wallTime - Date.now() / 1000) < 60);

    const scalars = events.flatMap((e) =>
      e.values
        .filter((v) => v.fields.has(2))
        .map((v) => ({ step: e.step, tag: v.tag, value: (one(v.fields, 2) as Buffer).readFloatLE(0) })),
    );
    assert.deepEqual(scalars, [
      { step: 1, tag: 'train/loss_step', value: 2.5 },
      { step: 40, tag: 'train/loss', value: Math.fround(0.412) },
      { step: 40, tag: 'val/acc_top1', value: Math.fround(0.871) },
    ]);

    const imageEvent = events.find((e) => e.values.some((v) => v.tag === 'plots/confusion'));
    assert.equal(imageEvent?.step, 40);
    const image = decode(one(imageEvent.values[0].fields, 4) as Buffer);
    assert.deepEqual([int(image, 1), int(image, 2), int(image, 3)], [2, 3, 4]);
    assert.ok(one(image, 4)?.equals(png));

    const byTag = new Map(events.flatMap((e) => e.values).map((v) => [v.tag, v.fields]));
    const experiment = decode(one(hparamsData(byTag.get('_hparams_/experiment') as Map<number, Wire[]>), 2) as Buffer);
    const infos = bytesOf(experiment, 4).map((b) => decode(b));
    assert.deepEqual(
      infos.map((i) => [str(i, 1), int(i, 4)]),
      [
        ['model.name', 1],
        ['model.pretrained', 2],
        ['optimizer.lr', 3],
        ['tags', 1],
      ],
    );
    const start = decode(one(hparamsData(byTag.get('_hparams_/session_start_info') as Map<number, Wire[]>), 3) as Buffer);
    const hparams = Object.fromEntries(
      bytesOf(start, 1).map((entry) => [str(decode(entry), 1), protoValue(one(decode(entry), 2) as Buffer)]),
    );
    assert.deepEqual(hparams, { 'model.name': 'resnet18', 'model.pretrained': false, 'optimizer.lr': 0.1, tags: '["a","b"]' });
    const end = decode(one(hparamsData(byTag.get('_hparams_/session_end_info') as Map<number, Wire[]>), 4) as Buffer);
    assert.equal(int(end, 1), 1); // STATUS_SUCCESS
    // The hparams values carry the plugin's null tensor: DT_FLOAT scalar.
    assert.equal(int(decode(one(byTag.get('_hparams_/experiment') as Map<number, Wire[]>, 8) as Buffer), 1), 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('final metrics given to logHyperparams become metric infos and scalars', async () => {
  const dir = await tempDir();
  try {
    const tb = new TensorBoardLogger({ dir: join(dir, 'tb') });
    await tb.setup(join(dir, 'ignored'), { resumed: false });
    await tb.logMetrics({ 'val/loss': 0.5 }, { step: 7, epoch: 0 });
    tb.logHyperparams({ lr: 0.01 }, { 'test/acc_top1': 0.75 });
    await tb.finalize('failed');
    const [file] = await readdir(join(dir, 'tb'));
    const events = readEvents(join(dir, 'tb', file));
    const values = new Map(events.flatMap((e) => e.values.map((v) => [v.tag, { step: e.step, fields: v.fields }])));
    const experiment = decode(one(hparamsData(values.get('_hparams_/experiment')?.fields as Map<number, Wire[]>), 2) as Buffer);
    const metricTags = bytesOf(experiment, 5).map((m) => str(decode(one(decode(m), 1) as Buffer), 2));
    assert.deepEqual(metricTags, ['test/acc_top1', 'val/loss']);
    assert.equal(values.get('test/acc_top1')?.step, 7);
    assert.equal((one(values.get('test/acc_top1')?.fields as Map<number, Wire[]>, 2) as Buffer).readFloatLE(0), 0.75);
    const end = decode(one(hparamsData(values.get('_hparams_/session_end_info')?.fields as Map<number, Wire[]>), 4) as Buffer);
    assert.equal(int(end, 1), 2); // STATUS_FAILURE
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('a resumed run starts a second event file and leaves the first intact', async () => {
  const dir = await tempDir();
  try {
    const first = new TensorBoardLogger();
    await first.setup(dir, { resumed: false });
    await first.logMetrics({ 'train/loss': 1 }, { step: 10, epoch: 0 });
    await first.finalize('interrupted');
    const [firstFile] = await readdir(dir);
    const before = await readFile(join(dir, firstFile));

    const second = registry.build<TensorBoardLogger>('logger', 'tensorboard', {});
    assert.ok(second instanceof TensorBoardLogger);
    await second.setup(dir, { resumed: true });
    await second.logMetrics({ 'train/loss': 0.5 }, { step: 20, epoch: 1 });
    await second.finalize('success');

    const files = (await readdir(dir)).sort();
    assert.equal(files.length, 2);
    assert.ok((await readFile(join(dir, firstFile))).equals(before));
    const steps = files.map((f) => readEvents(join(dir, f)).flatMap((e) => (e.values.length > 0 ? [e.step] : [])));
    assert.deepEqual(steps.sort(), [[10], [20]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('events are buffered until flush or flushEverySteps', async () => {
  const dir = await tempDir();
  try {
    const tb = new TensorBoardLogger({ flushEverySteps: 50 });
    await tb.setup(dir, { resumed: false });
    const path = tb.path as string;
    assert.equal(tb.logMetrics({ a: 1 }, { step: 10, epoch: 0 }), undefined);
    assert.equal((await readFile(path)).length, 0);
    await tb.logMetrics({ a: 2 }, { step: 60, epoch: 0 });
    assert.equal(readEvents(path).length, 3);
    await tb.logMetrics({ a: 3 }, { step: 70, epoch: 0 });
    await tb.flush();
    assert.equal(readEvents(path).length, 4);
    await tb.finalize('success');
    assert.throws(() => tb.logMetrics({ a: 4 }, { step: 80, epoch: 0 }), /expected setup/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('logImage rejects bytes that are not a PNG', async () => {
  const dir = await tempDir();
  try {
    const tb = new TensorBoardLogger();
    await tb.setup(dir, { resumed: false });
    assert.throws(
      () => tb.logImage('x', Buffer.from('GIF89a not a png at all, long enough to pass'), { step: 0, epoch: 0 }),
      (e: Error) => e instanceof DataError && /expected PNG bytes for image 'x'/.test(e.message),
    );
    await tb.finalize('success');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
