/**
 * A restricted Python unpickler, in the spirit of PyTorch's
 * `torch.load(weights_only=True)`: it interprets the pickle opcodes
 * `torch.save` emits (protocols 2-5) into plain JavaScript values and never
 * executes anything. A GLOBAL / STACK_GLOBAL is looked up in an allowlist the
 * caller supplies; any other name is refused with a SerializationError that
 * names the `module.attribute`, before anything it would construct exists.
 *
 * Values: None → null, bool → boolean, int → number (bigint past 2^53),
 * float → number, str → string, bytes → Uint8Array, list → array,
 * tuple → frozen array, dict / OrderedDict → PickleDict (a Map).
 *
 * @example
 * const value = unpickle(bytes, { source: 'model.pth', globals: new Map([['collections.OrderedDict', { call: () => new PickleDict() }]]) });
 */
import { SerializationError } from '../../errors.js';
import { PickleReader } from './pickle-reader.js';

/** A Python dict or OrderedDict; `attributes` holds what BUILD set on it (e.g. `_metadata`). */
export class PickleDict extends Map<unknown, unknown> {
  readonly attributes = new Map<string, unknown>();
}

/** An allowed global: `call` runs for REDUCE / NEWOBJ with the unpickled arguments; without it the global is only a value. */
export interface PickleGlobal {
  call?: (args: readonly unknown[]) => unknown;
}

/** What the unpickler may resolve: allowed globals by `module.attribute`, and the persistent-id loader. */
export interface UnpickleOptions {
  /** Names the pickle in error messages. */
  source?: string;
  globals: ReadonlyMap<string, PickleGlobal>;
  persistentLoad?: (pid: unknown) => unknown;
  /** Describes what is allowed in the refusal message; defaults to the list of allowed names. */
  allowedSummary?: string;
}

/** A global the allowlist resolved; REDUCE calls it, and persistent ids may carry it (storage classes). */
export class PickleGlobalRef {
  constructor(
    readonly qualifiedName: string,
    readonly global: PickleGlobal,
  ) {}
}

/**
 * Interprets pickle bytes; see the module doc for the value mapping.
 *
 * @example
 * unpickle(Uint8Array.from([0x80, 2, 0x4b, 7, 0x2e]), { globals: new Map() }); // 7
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  return new Machine(bytes, options).run();
}

class Machine extends PickleReader {
  stack: unknown[] = [];
  marks: number[] = [];
  memo = new Map<number, unknown>();

  constructor(
    bytes: Uint8Array,
    readonly options: UnpickleOptions,
  ) {
    super(bytes, options.source ?? '<pickle>');
  }

  pop(): unknown {
    if (this.stack.length === 0 || this.stack.length <= (this.marks.at(-1) ?? -1)) this.fail('a value on the stack', 'an empty stack');
    return this.stack.pop();
  }
  top(): unknown {
    if (this.stack.length === 0 || this.stack.length <= (this.marks.at(-1) ?? -1)) this.fail('a value on the stack', 'an empty stack');
    return this.stack[this.stack.length - 1];
  }
  popMark(): unknown[] {
    const at = this.marks.pop();
    if (at === undefined) this.fail('a MARK before this opcode', 'none');
    return this.stack.splice(at);
  }

  run(): unknown {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      if (op === 0x2e) {
        // STOP
        if (this.stack.length !== 1 || this.marks.length > 0) this.fail('one value on the stack at STOP', `${this.stack.length}`, at);
        return this.stack[0];
      }
      this.step(op, at);
    }
  }

  step(op: number, at: number): void {
    if (this.simple(op)) return;
    if (this.containers(op)) return;
    if (this.objects(op, at)) return;
    this.fail('a pickle opcode torch.save writes', `opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}')`, at);
  }

  /** Constants, numbers, strings, memo and stack bookkeeping. */
  simple(op: number): boolean {
    const s = this.stack;
    switch (op) {
      case 0x80: {
        const p = this.u8();
        if (p > 5) this.fail('pickle protocol 2 to 5', `protocol ${p}`);
        return true;
      } // PROTO
      case 0x95:
        this.take(8);
        return true; // FRAME: the length is a hint only
      case 0x28:
        this.marks.push(s.length);
        return true; // MARK
      case 0x30:
        this.pop();
        return true; // POP
      case 0x31:
        this.popMark();
        return true; // POP_MARK
      case 0x32:
        s.push(this.top());
        return true; // DUP
      case 0x4e:
        s.push(null);
        return true; // NONE
      case 0x88:
        s.push(true);
        return true; // NEWTRUE
      case 0x89:
        s.push(false);
        return true; // NEWFALSE
      case 0x4b:
        s.push(this.u8());
        return true; // BININT1
      case 0x4d:
        s.push(this.u16());
        return true; // BININT2
      case 0x4a:
        s.push(this.i32());
        return true; // BININT
      case 0x8a:
        s.push(this.long(this.u8()));
        return true; // LONG1
      case 0x8b:
        s.push(this.long(this.u32()));
        return true; // LONG4 (long() caps the length)
      case 0x49:
        s.push(this.textInt(this.line()));
        return true; // INT
      case 0x47:
        s.push(this.view.getFloat64(this.take(8), false));
        return true; // BINFLOAT (big-endian)
      case 0x58:
        s.push(this.text(this.u32()));
        return true; // BINUNICODE
      case 0x8c:
        s.push(this.text(this.u8()));
        return true; // SHORT_BINUNICODE
      case 0x8d:
        s.push(this.text(this.u64()));
        return true; // BINUNICODE8
      case 0x43:
        s.push(this.raw(this.u8()).slice());
        return true; // SHORT_BINBYTES
      case 0x42:
        s.push(this.raw(this.u32()).slice());
        return true; // BINBYTES
      case 0x8e:
        s.push(this.raw(this.u64()).slice());
        return true; // BINBYTES8
      case 0x71:
        this.memo.set(this.u8(), this.top());
        return true; // BINPUT
      case 0x72:
        this.memo.set(this.u32(), this.top());
        return true; // LONG_BINPUT
      case 0x70:
        this.memo.set(this.memoIndex(this.line()), this.top());
        return true; // PUT
      case 0x94:
        this.memo.set(this.memo.size, this.top());
        return true; // MEMOIZE
      case 0x68:
        s.push(this.recall(this.u8()));
        return true; // BINGET
      case 0x6a:
        s.push(this.recall(this.u32()));
        return true; // LONG_BINGET
      case 0x67:
        s.push(this.recall(this.memoIndex(this.line())));
        return true; // GET
      default:
        return false;
    }
  }

  /** Lists, tuples and dicts. */
  containers(op: number): boolean {
    const s = this.stack;
    switch (op) {
      case 0x5d:
        s.push([]);
        return true; // EMPTY_LIST
      case 0x6c:
        s.push(this.popMark());
        return true; // LIST
      case 0x29:
        s.push(Object.freeze([]));
        return true; // EMPTY_TUPLE
      case 0x74:
        s.push(Object.freeze(this.popMark()));
        return true; // TUPLE
      case 0x85: {
        const a = this.pop();
        s.push(Object.freeze([a]));
        return true;
      } // TUPLE1
      case 0x86: {
        const b = this.pop();
        const a = this.pop();
        s.push(Object.freeze([a, b]));
        return true;
      } // TUPLE2
      case 0x87: {
        const c = this.pop();
        const b = this.pop();
        const a = this.pop();
        s.push(Object.freeze([a, b, c]));
        return true;
      } // TUPLE3
      case 0x7d:
        s.push(new PickleDict());
        return true; // EMPTY_DICT
      case 0x64: {
        const items = this.popMark();
        s.push(this.setItems(new PickleDict(), items));
        return true;
      } // DICT
      case 0x61: {
        const v = this.pop();
        this.list(this.top()).push(v);
        return true;
      } // APPEND
      case 0x65: {
        const items = this.popMark();
        const list = this.list(this.top());
        for (const v of items) list.push(v);
        return true;
      } // APPENDS
      case 0x73: {
        const v = this.pop();
        const k = this.pop();
        this.setItems(this.top(), [k, v]);
        return true;
      } // SETITEM
      case 0x75: {
        const items = this.popMark();
        this.setItems(this.top(), items);
        return true;
      } // SETITEMS
      default:
        return false;
    }
  }

  /** Globals, calls, BUILD and persistent ids. */
  objects(op: number, at: number): boolean {
    const s = this.stack;
    switch (op) {
      case 0x63: {
        const module = this.line();
        const name = this.line();
        s.push(this.resolve(module, name, at));
        return true;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          this.fail('two strings for STACK_GLOBAL', `${typeof module} and ${typeof name}`, at);
        s.push(this.resolve(module, name, at));
        return true;
      }
      case 0x52: {
        const args = this.pop();
        const callable = this.pop();
        s.push(this.call(callable, args, at));
        return true;
      } // REDUCE
      case 0x81: {
        const args = this.pop();
        const cls = this.pop();
        s.push(this.call(cls, args, at));
        return true;
      } // NEWOBJ
      case 0x62: {
        const state = this.pop();
        this.build(this.top(), state, at);
        return true;
      } // BUILD
      case 0x51: {
        // BINPERSID
        const pid = this.pop();
        if (this.options.persistentLoad === undefined) this.fail('no persistent ids', 'one', at);
        s.push(this.options.persistentLoad(pid));
        return true;
      }
      default:
        return false;
    }
  }

  resolve(module: string, name: string, at: number): PickleGlobalRef {
    const qualifiedName = `${module}.${name}`;
    const global = this.options.globals.get(qualifiedName);
    if (global === undefined) {
      const allowed = this.options.allowedSummary ?? [...this.options.globals.keys()].join(', ');
      this.fail(`only allowed globals (${allowed})`, `'${qualifiedName}', which is refused and was not run`, at);
    }
    return new PickleGlobalRef(qualifiedName, global);
  }

  call(callable: unknown, args: unknown, at: number): unknown {
    if (!(callable instanceof PickleGlobalRef)) this.fail('an allowed global to call', describe(callable), at);
    if (!Array.isArray(args)) this.fail(`an argument tuple for ${callable.qualifiedName}`, describe(args), at);
    if (callable.global.call === undefined) this.fail(`a callable global`, `'${callable.qualifiedName}', which cannot be called`, at);
    try {
      return callable.global.call(args as unknown[]);
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      return this.fail(`valid arguments for ${callable.qualifiedName}`, (error as Error).message, at);
    }
  }

  build(target: unknown, state: unknown, at: number): void {
    // BUILD with (state, slotstate) or a plain state dict; only dicts accept attributes (OrderedDict._metadata).
    const states = Array.isArray(state) && Object.isFrozen(state) && state.length === 2 ? state : [state, null];
    if (!(target instanceof PickleDict)) this.fail('BUILD on a dict or OrderedDict', describe(target), at);
    for (const part of states) {
      if (part === null) continue;
      if (!(part instanceof PickleDict)) this.fail('a dict of attributes for BUILD', describe(part), at);
      for (const [k, v] of part) {
        if (typeof k !== 'string') this.fail('string attribute names for BUILD', describe(k), at);
        target.attributes.set(k, v);
      }
    }
  }

  setItems(target: unknown, items: unknown[]): PickleDict {
    if (!(target instanceof PickleDict)) this.fail('a dict for SETITEM(S)', describe(target));
    if (items.length % 2 !== 0) this.fail('key/value pairs', `${items.length} items`);
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      if (key !== null && typeof key === 'object') this.fail('a string, number, bool or None as a dict key', describe(key));
      target.set(key, items[i + 1]);
    }
    return target;
  }

  list(target: unknown): unknown[] {
    if (!Array.isArray(target) || Object.isFrozen(target)) this.fail('a list for APPEND(S)', describe(target));
    return target;
  }

  recall(index: number): unknown {
    if (!this.memo.has(index)) this.fail('a memo entry that was stored', `index ${index}`);
    return this.memo.get(index);
  }

  memoIndex(text: string): number {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) this.fail('a memo index', JSON.stringify(text));
    return n;
  }

  textInt(text: string): number | boolean {
    if (text === '01') return true;
    if (text === '00') return false;
    const n = Number(text);
    if (!Number.isSafeInteger(n)) this.fail('an integer', JSON.stringify(text));
    return n;
  }

  long(n: number): number | bigint {
    // Weights files hold no such numbers; the cap keeps a hostile LONG4 from a quadratic BigInt loop.
    if (n > 64) this.fail('an integer of at most 64 bytes', `${n} bytes`);
    const bytes = this.raw(n);
    if (n === 0) return 0;
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
    if (bytes[n - 1] & 0x80) value -= 1n << BigInt(8 * n);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'None';
  if (value instanceof PickleGlobalRef) return `'${value.qualifiedName}'`;
  if (value instanceof PickleDict) return `a dict with ${value.size} keys`;
  if (Array.isArray(value)) return `a ${Object.isFrozen(value) ? 'tuple' : 'list'} of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'object') return (value.constructor as { name?: string } | undefined)?.name ?? 'an object';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}
