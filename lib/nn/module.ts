// The parameter-owning base class. Children and parameters are registered under the names the
// official PyTorch modules use, so `stateDict()` keys equal PyTorch `state_dict()` keys
// (`decoder.layers.0.linear1.weight`). Tensors are stored in TensorFlow.js layout; each
// parameter carries a `TorchLayout` tag that says how to convert from / to PyTorch layout.
import * as tf from '@tensorflow/tfjs';

/**
 * How a tensor's PyTorch layout maps to ours:
 * - `plain`: identical (biases, LayerNorm, embeddings, buffers);
 * - `linear`: PyTorch `[out, in]` ↔ ours `[in, out]` (y = x W + b);
 * - `conv2d`: PyTorch `[O, I, kh, kw]` ↔ ours `[kh, kw, I, O]`.
 */
export type TorchLayout = 'plain' | 'linear' | 'conv2d';

interface Entry {
  readonly variable: tf.Variable;
  readonly layout: TorchLayout;
  readonly isBuffer: boolean;
}

export type StateDict = Map<string, tf.Tensor>;

export interface LoadOptions {
  /** Throw when any key is missing, unexpected or shape-mismatched (default true). */
  readonly strict?: boolean;
  /** `torch`: the dict is in PyTorch layout and is converted per parameter (default `tfjs`). */
  readonly layout?: 'tfjs' | 'torch';
}

export interface LoadReport {
  readonly missing: string[];
  readonly unexpected: string[];
  readonly mismatched: { name: string; expected: number[]; got: number[] }[];
}

export class StateDictError extends Error {
  constructor(readonly report: LoadReport) {
    const parts: string[] = [];
    if (report.missing.length) parts.push(`missing keys: ${report.missing.join(', ')}`);
    if (report.unexpected.length) parts.push(`unexpected keys: ${report.unexpected.join(', ')}`);
    for (const m of report.mismatched) {
      parts.push(`shape mismatch for ${m.name}: expected [${m.expected}], got [${m.got}]`);
    }
    super(`loadStateDict: ${parts.join('; ')}`);
    this.name = 'StateDictError';
  }
}

/** PyTorch layout → TensorFlow.js layout (a new tensor). */
export function fromTorchLayout(t: tf.Tensor, layout: TorchLayout): tf.Tensor {
  if (layout === 'linear' && t.rank === 2) return tf.transpose(t);
  if (layout === 'conv2d' && t.rank === 4) return tf.transpose(t, [2, 3, 1, 0]);
  return t.clone();
}

/** TensorFlow.js layout → PyTorch layout (a new tensor). */
export function toTorchLayout(t: tf.Tensor, layout: TorchLayout): tf.Tensor {
  if (layout === 'linear' && t.rank === 2) return tf.transpose(t);
  if (layout === 'conv2d' && t.rank === 4) return tf.transpose(t, [3, 2, 0, 1]);
  return t.clone();
}

export abstract class Module {
  /** Training mode (dropout active, batch statistics); `eval()` clears it. */
  training = true;
  private readonly entries = new Map<string, Entry>();
  private readonly children = new Map<string, Module>();

  /** Register a parameter; takes ownership of `init` (it is disposed). */
  protected addParameter(name: string, init: tf.Tensor, layout: TorchLayout = 'plain'): tf.Variable {
    return this.addEntry(name, init, layout, false);
  }

  /** Register a non-trainable state tensor (PyTorch buffer, e.g. BatchNorm running stats). */
  protected addBuffer(name: string, init: tf.Tensor, layout: TorchLayout = 'plain'): tf.Variable {
    return this.addEntry(name, init, layout, true);
  }

  protected addModule<M extends Module>(name: string, module: M): M {
    if (this.children.has(name) || this.entries.has(name)) throw new Error(`duplicate name '${name}'`);
    this.children.set(name, module);
    return module;
  }

  private addEntry(name: string, init: tf.Tensor, layout: TorchLayout, isBuffer: boolean): tf.Variable {
    if (this.children.has(name) || this.entries.has(name)) throw new Error(`duplicate name '${name}'`);
    const variable = tf.variable(init, !isBuffer);
    init.dispose();
    this.entries.set(name, { variable, layout, isBuffer });
    return variable;
  }

  /** Direct children, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module and every descendant with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  private namedEntries(prefix = ''): [string, Entry][] {
    const out: [string, Entry][] = [];
    for (const [name, e] of this.entries) out.push([join(prefix, name), e]);
    for (const [name, child] of this.children) out.push(...child.namedEntries(join(prefix, name)));
    return out;
  }

  /**
   * Parameters (not buffers) with PyTorch dotted names. A module registered under two parents
   * (DAB-DETR's `bbox_embed`, also `transformer.decoder.bbox_embed`) shares its parameters: each
   * is listed once, under its first name, as PyTorch's `named_parameters()` does; `stateDict()`
   * keeps both names, as PyTorch's `state_dict()` does.
   */
  namedParameters(): [string, tf.Variable][] {
    return uniqueVariables(this.namedEntries().filter(([, e]) => !e.isBuffer));
  }

  namedBuffers(): [string, tf.Variable][] {
    return uniqueVariables(this.namedEntries().filter(([, e]) => e.isBuffer));
  }

  /** Parameters that currently receive gradients (see `freeze`). */
  trainableVariables(): tf.Variable[] {
    return this.namedParameters()
      .map(([, v]) => v)
      .filter((v) => v.trainable);
  }

  /** Stop (or restart) gradient updates of every parameter below this module. */
  freeze(frozen = true): this {
    for (const [, v] of this.namedParameters()) v.trainable = !frozen;
    return this;
  }

  /** Total number of scalar parameters. */
  numParameters(): number {
    return this.namedParameters().reduce((n, [, v]) => n + v.size, 0);
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by PyTorch name, in our layout (the tensors are the live variables). */
  stateDict(): StateDict {
    return new Map(this.namedEntries().map(([n, e]) => [n, e.variable as tf.Tensor]));
  }

  /** Parameters and buffers by PyTorch name in PyTorch layout (new tensors; caller disposes). */
  torchStateDict(): StateDict {
    return new Map(this.namedEntries().map(([n, e]) => [n, toTorchLayout(e.variable, e.layout)]));
  }

  /** Each entry's layout tag, by name. */
  layouts(): Map<string, TorchLayout> {
    return new Map(this.namedEntries().map(([n, e]) => [n, e.layout]));
  }

  /**
   * Copy values in by name. With `layout: 'torch'` each tensor is converted from PyTorch layout
   * first. Reports missing, unexpected and shape-mismatched keys by name; in strict mode (the
   * default) any of them throws `StateDictError` before anything is assigned.
   */
  loadStateDict(dict: StateDict | Record<string, tf.Tensor>, options: LoadOptions = {}): LoadReport {
    const { strict = true, layout = 'tfjs' } = options;
    const source = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const own = new Map(this.namedEntries());
    const report: LoadReport = { missing: [], unexpected: [], mismatched: [] };
    const assignments: { variable: tf.Variable; value: tf.Tensor; owned: boolean }[] = [];
    for (const [name, e] of own) {
      const t = source.get(name);
      if (t === undefined) {
        report.missing.push(name);
        continue;
      }
      const converted = layout === 'torch' ? fromTorchLayout(t, e.layout) : t;
      if (!sameShape(converted.shape, e.variable.shape)) {
        report.mismatched.push({ name, expected: [...e.variable.shape], got: [...converted.shape] });
        if (converted !== t) converted.dispose();
        continue;
      }
      assignments.push({ variable: e.variable, value: converted, owned: converted !== t });
    }
    for (const name of source.keys()) if (!own.has(name)) report.unexpected.push(name);
    const failed = report.missing.length + report.unexpected.length + report.mismatched.length > 0;
    if (strict && failed) {
      for (const a of assignments) if (a.owned) a.value.dispose();
      throw new StateDictError(report);
    }
    for (const { variable, value, owned } of assignments) {
      tf.tidy(() => variable.assign(value.dtype === variable.dtype ? value : tf.cast(value, variable.dtype)));
      if (owned) value.dispose();
    }
    return report;
  }

  /** Release every parameter and buffer. */
  dispose(): void {
    for (const [, v] of uniqueVariables(this.namedEntries())) v.dispose();
  }
}

/** Entries → [name, variable] with every shared variable once, under its first name. */
function uniqueVariables(entries: readonly [string, Entry][]): [string, tf.Variable][] {
  const seen = new Set<tf.Variable>();
  return entries.flatMap(([n, e]): [string, tf.Variable][] => {
    if (seen.has(e.variable)) return [];
    seen.add(e.variable);
    return [[n, e.variable]];
  });
}

/** An ordered list of modules named '0', '1', ... (PyTorch `nn.ModuleList`). */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items;
    items.forEach((m, i) => this.addModule(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (m === undefined) throw new RangeError(`ModuleList index ${i} out of range (${this.items.length})`);
    return m;
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
