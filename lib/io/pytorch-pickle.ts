// A small, strict reader of Python pickles as `torch.save` writes them (protocol 2; the few
// protocol 3 / 4 opcodes a newer pickler may add are read too). It builds plain values — None,
// bool, int (number, or bigint beyond 2^53), float, str, bytes, lists and tuples (arrays), dicts
// (Maps) — and leaves everything that needs Python code to the caller: a GLOBAL becomes a
// `PickleGlobal`, REDUCE / NEWOBJ on it ask `hooks.reduce` (default: an opaque `PickleObject` that
// records the class and its arguments), BUILD sets an opaque object's `state`, and persistent ids
// (torch's storages) go to `hooks.persistentLoad`. No code is ever run; an opcode outside the
// table is an error naming the byte offset.
import { DecodeError } from './decode.js';

/** A `module.name` reference (pickle GLOBAL / STACK_GLOBAL). */
export interface PickleGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** An instance the reader cannot (or was not asked to) rebuild: its class, constructor arguments and BUILD state. */
export interface PickleObject {
  readonly kind: 'object';
  readonly type: PickleGlobal;
  readonly args: readonly unknown[];
  state: unknown;
}

/** What a pickle holds; `X` is whatever the hooks return (e.g. a tensor reference). */
export type PickleValue<X> =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue<X>[]
  | Map<PickleKey, PickleValue<X>>
  | PickleGlobal
  | PickleObject
  | X;

/** Dict keys: what Python state dicts and argparse use (tuples and other keys are refused). */
export type PickleKey = string | number | bigint | boolean | null;

export interface PickleHooks<X> {
  /** `callable(*args)` for a GLOBAL callable; return undefined to keep an opaque PickleObject. */
  readonly reduce?: (callable: PickleGlobal, args: PickleValue<X>[], source: string) => PickleValue<X> | undefined;
  /** BINPERSID: the value of a persistent id (torch: `('storage', type, key, location, numel)`). */
  readonly persistentLoad?: (pid: PickleValue<X>, source: string) => PickleValue<X>;
}

const MARK = Symbol('mark');
type StackItem<X> = PickleValue<X> | typeof MARK;

export function isPickleGlobal(v: unknown): v is PickleGlobal {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'global' && !(v instanceof Map) && !Array.isArray(v);
}

export function isPickleObject(v: unknown): v is PickleObject {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'object' && !(v instanceof Map) && !Array.isArray(v);
}

/** `module.name` of a global, for messages. */
export function qualifiedName(g: PickleGlobal): string {
  return `${g.module}.${g.name}`;
}

/** Unpickle `bytes`; `source` (file and entry) names errors with the byte offset. */
export function unpickle<X = never>(bytes: Uint8Array, source: string, hooks: PickleHooks<X> = {}): PickleValue<X> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem<X>[] = [];
  const memo = new Map<number, PickleValue<X>>();
  const text = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  let at = 0;
  let opAt = 0;
  const fail = (problem: string): never => {
    throw new DecodeError(source, [`pickle offset ${opAt}: ${problem}`]);
  };
  const need = (n: number): number => {
    if (at + n > bytes.byteLength) fail(`truncated: needs ${n} more byte(s), the data ends at ${bytes.byteLength}`);
    const start = at;
    at += n;
    return start;
  };
  const u8 = () => view.getUint8(need(1));
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const raw = (n: number) => bytes.subarray(need(n), at);
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail('unterminated text line');
    const s = latin1.decode(bytes.subarray(at, end));
    at = end + 1;
    return s;
  };
  const pop = (): PickleValue<X> => {
    const v = stack.pop();
    if (v === undefined) return fail('stack underflow');
    if (v === MARK) return fail('unexpected MARK');
    return v;
  };
  const top = (): PickleValue<X> => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('stack empty or at a MARK');
    return v;
  };
  const popMark = (): PickleValue<X>[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('no MARK on the stack');
    const items = stack.splice(i) as PickleValue<X>[];
    items.shift();
    return items;
  };
  const key = (k: PickleValue<X>): PickleKey => {
    if (k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k)) return k as PickleKey;
    return fail('a dict key that is not a str / int / bool / None');
  };
  const setItems = (target: PickleValue<X>, items: PickleValue<X>[]) => {
    if (!(target instanceof Map)) return fail('SETITEM(S) on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(key(items[i] as PickleValue<X>), items[i + 1] as PickleValue<X>);
    return undefined;
  };
  const append = (target: PickleValue<X>, items: PickleValue<X>[]) => {
    if (!Array.isArray(target)) return fail('APPEND(S) on something that is not a list');
    target.push(...items);
    return undefined;
  };
  const long = (n: number): number | bigint => {
    const b = raw(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    if (n > 0 && ((b[n - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const call = (callable: PickleValue<X>, args: PickleValue<X>, opcode: string): PickleValue<X> => {
    if (!isPickleGlobal(callable)) return fail(`${opcode} on something that is not a class or function`);
    if (!Array.isArray(args)) return fail(`${opcode} arguments are not a tuple`);
    const rebuilt = hooks.reduce?.(callable, args, source);
    return rebuilt !== undefined ? rebuilt : { kind: 'object', type: callable, args, state: undefined };
  };

  for (;;) {
    opAt = at;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME (protocol 4): a length prefix only
        need(8);
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x8b: // LONG4
        stack.push(long(u32()));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text.decode(raw(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text.decode(raw(u8())));
        break;
      case 0x54: // BINSTRING (protocol 2 str of Python 2)
        stack.push(latin1.decode(raw(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(raw(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(Uint8Array.from(raw(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Uint8Array.from(raw(u8())));
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push({ kind: 'global', module, name: line() });
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push({ kind: 'global', module: module as string, name: name as string });
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const index = op === 0x68 ? u8() : u32();
        const v = memo.get(index);
        if (v === undefined) fail(`memo ${index} was never stored`);
        stack.push(v as PickleValue<X>);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x91: // FROZENSET
        stack.push(popMark());
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const d = new Map<PickleKey, PickleValue<X>>();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS (sets are read as lists)
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        stack.push(call(pop(), args, 'NEWOBJ'));
        break;
      }
      case 0x62: {
        // BUILD: opaque objects keep their state; a dict's state (OrderedDict._metadata of a
        // state_dict: per-module versions) carries no weights and is dropped
        const state = pop();
        const target = top();
        if (isPickleObject(target)) target.state = state;
        else if (!(target instanceof Map)) fail('BUILD on something that is neither an object nor a dict');
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (hooks.persistentLoad === undefined) fail('a persistent id, and no persistent_load');
        stack.push((hooks.persistentLoad as NonNullable<PickleHooks<X>['persistentLoad']>)(pid, source));
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
