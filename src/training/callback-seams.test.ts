import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Callback } from './callback.js';
import { EMA } from './callbacks/ema.js';
import { ModelCheckpoint } from './callbacks/model-checkpoint.js';
import { ProgressBar } from './callbacks/progress-bar.js';
import { defaultCallbacks } from './defaults.js';
import { ConsoleLogger } from './loggers/console-logger.js';
import { Trainer } from './trainer.js';
import { parseTrainerOptions } from './trainer-options.js';

/** A callback of the user's that draws on the console, as a progress bar does. */
class Dashboard extends Callback {
  readonly lines: string[] = [];
  override get printer(): (message: string) => void {
    return (message) => this.lines.push(message);
  }
}

void test("a callback that offers a printer takes the progress bar's place: print goes through it, no default bar, no console logger", () => {
  const dashboard = new Dashboard();
  const trainer = new Trainer({ callbacks: [dashboard], enableModelSummary: false, enableCheckpointing: false });
  trainer.print('hello');
  assert.deepEqual(dashboard.lines, ['hello']);
  assert.ok(!trainer.callbacks.some((c) => c instanceof ProgressBar));
  assert.ok(!trainer.loggers.some((l) => l instanceof ConsoleLogger));
});

void test('the default progress bar is found through its printer: print writes above it, and the console logger stays out', () => {
  const written: string[] = [];
  const printStream = { write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WritableStream;
  const bar = new ProgressBar({ stream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream, printStream });
  const trainer = new Trainer({ callbacks: [bar], enableModelSummary: false, enableCheckpointing: false });
  trainer.print('above the bar');
  assert.deepEqual(written, ['above the bar\n']);
  assert.ok(!trainer.loggers.some((l) => l instanceof ConsoleLogger));
  const plain = new Trainer({ enableProgressBar: false, enableModelSummary: false, enableCheckpointing: false });
  assert.ok(
    plain.loggers.some((l) => l instanceof ConsoleLogger),
    'without a drawing callback the console logger prints the epochs',
  );
});

void test('callbacks are placed by what they declare: weight swappers after the others, checkpointing last, each place in given order', () => {
  class Plain extends Callback {}
  class Archive extends Callback {
    override get place(): 'checkpoint' {
      return 'checkpoint';
    }
  }
  const plain = new Plain();
  const archive = new Archive();
  const ema = new EMA();
  const checkpoint = new ModelCheckpoint();
  const options = parseTrainerOptions({ enableProgressBar: false, enableModelSummary: false });
  assert.deepEqual(defaultCallbacks([checkpoint, archive, ema, plain], options, false), [plain, ema, checkpoint, archive]);
});
