// AdamW with parameter groups, exactly `torch.optim.AdamW` (torch 1.13, single-tensor path,
// amsgrad off): per parameter, with its own step count t,
//   p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//   p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
// Parameters that receive no gradient in a step are skipped and their t does not advance.
// With `decoupled: false` it is `torch.optim.Adam` with weight_decay instead (coupled L2, as
// MS-Transformer / ActMST train): g ← g + wd·p before the moments, no decoupled decay; `Adam`
// below is that optimiser under its own name.
// Groups select variables by name, each with its own lr and weight decay (DETR: backbone 1e-5,
// the rest 1e-4, weight decay 1e-4). The state (steps, moments, group hyper-parameters) is keyed
// by parameter name so it can be checkpointed and restored into a freshly built model.
import * as tf from '@tensorflow/tfjs';
import * as t from 'io-ts';
import type { Module } from '../nn/module.js';
import { fusedAdamWUpdate } from '../runtime/fused-adamw.js';

export type NamedVariable = readonly [name: string, variable: tf.Variable];

export interface AdamWHyperParams {
  readonly lr: number;
  /** Decoupled weight decay (torch default 1e-2; DETR uses 1e-4). */
  readonly weightDecay: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
}

export interface ParamGroupSpec extends Partial<AdamWHyperParams> {
  /** Shown in logs and used to match groups when state is restored (default `group<i>`). */
  readonly name?: string;
  readonly params: readonly NamedVariable[];
}

/** A live group (torch `param_groups[i]`): schedulers write `lr`; `loadState` restores all fields. */
export interface ParamGroup {
  readonly name: string;
  readonly params: readonly NamedVariable[];
  lr: number;
  /** The lr the group was created with (torch `initial_lr`). */
  initialLr: number;
  weightDecay: number;
  betas: readonly [number, number];
  eps: number;
}

/** Serialisable optimizer state: JSON-able `meta` plus the moment tensors by parameter name. */
export interface AdamWState {
  readonly meta: AdamWMeta;
  /** `exp_avg.<param>` and `exp_avg_sq.<param>` (tfjs layout, like the parameter). */
  readonly moments: Map<string, tf.Tensor>;
}

const GroupMetaCodec = t.type({
  name: t.string,
  params: t.array(t.string),
  lr: t.number,
  initialLr: t.number,
  weightDecay: t.number,
  betas: t.tuple([t.number, t.number]),
  eps: t.number,
});

export const AdamWMetaCodec = t.type({ groups: t.array(GroupMetaCodec), steps: t.record(t.string, t.number) });
export type AdamWMeta = t.TypeOf<typeof AdamWMetaCodec>;

export interface AdamWOptions extends Partial<AdamWHyperParams> {
  /**
   * true (default): AdamW's decoupled weight decay, p ← p·(1 − lr·wd). false: torch.optim.Adam's
   * coupled L2 weight decay, g ← g + wd·p before the moments (use `Adam`, which says so).
   */
  readonly decoupled?: boolean;
}

const TORCH_DEFAULTS: AdamWHyperParams = { lr: 1e-3, weightDecay: 1e-2, betas: [0.9, 0.999], eps: 1e-8 };

interface ParamSlot {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly group: ParamGroup;
  step: number;
  expAvg: tf.Variable | null;
  expAvgSq: tf.Variable | null;
}

export class AdamW {
  readonly groups: readonly ParamGroup[];
  private readonly slots = new Map<string, ParamSlot>(); // by tf variable name (the gradient key)
  private readonly byParam = new Map<string, ParamSlot>(); // by parameter name
  /** false: coupled L2 weight decay (torch.optim.Adam) instead of decoupled (AdamW). */
  readonly decoupled: boolean;

  /** `params`: groups, or plain named variables for a single group. */
  constructor(params: readonly ParamGroupSpec[] | readonly NamedVariable[], defaults: AdamWOptions = {}) {
    const { decoupled = true, ...hyper } = defaults;
    this.decoupled = decoupled;
    const base = { ...TORCH_DEFAULTS, ...hyper };
    const specs: readonly ParamGroupSpec[] = params.every(isNamedVariable) ? [{ params }] : params.filter(isGroupSpec);
    this.groups = specs.map((spec, i) => {
      const lr = spec.lr ?? base.lr;
      return {
        name: spec.name ?? `group${i}`,
        params: spec.params,
        lr,
        initialLr: lr,
        weightDecay: spec.weightDecay ?? base.weightDecay,
        betas: spec.betas ?? base.betas,
        eps: spec.eps ?? base.eps,
      };
    });
    for (const group of this.groups) {
      for (const [name, variable] of group.params) {
        if (this.byParam.has(name)) throw new Error(`AdamW: parameter '${name}' appears in more than one group`);
        const slot: ParamSlot = { name, variable, group, step: 0, expAvg: null, expAvgSq: null };
        this.slots.set(variable.name, slot);
        this.byParam.set(name, slot);
      }
    }
  }

  /** Every optimised variable, in group order. */
  variables(): tf.Variable[] {
    return this.groups.flatMap((g) => g.params.map(([, v]) => v));
  }

  /** Parameter names the optimizer manages. */
  paramNames(): string[] {
    return [...this.byParam.keys()];
  }

  /**
   * One update from gradients keyed by variable name (as `tf.variableGrads` returns them).
   * A gradient for a variable this optimizer does not manage is an error; a missing or null
   * gradient skips that parameter (torch: `p.grad is None`).
   */
  step(grads: tf.NamedTensorMap | Record<string, tf.Tensor | null>): void {
    for (const [key, grad] of Object.entries(grads)) {
      if (grad === null) continue;
      const slot = this.slots.get(key);
      if (slot === undefined) throw new Error(`AdamW.step: gradient for variable '${key}' that is in no parameter group`);
      this.update(slot, grad);
    }
  }

  private update(slot: ParamSlot, grad: tf.Tensor): void {
    const { lr, weightDecay, betas, eps } = slot.group;
    const [beta1, beta2] = betas;
    slot.step += 1;
    slot.expAvg ??= zerosVariableLike(slot.variable);
    slot.expAvgSq ??= zerosVariableLike(slot.variable);
    const { expAvg, expAvgSq, variable } = slot;
    const biasCorrection1 = 1 - beta1 ** slot.step;
    const biasCorrection2 = 1 - beta2 ** slot.step;
    const stepSize = lr / biasCorrection1;
    tf.tidy(() => {
      const attrs = { lr, weightDecay, beta1, beta2, eps, biasCorrection1, biasCorrection2, l2: !this.decoupled };
      const fused = fusedAdamWUpdate(variable, grad, expAvg, expAvgSq, attrs);
      if (fused !== null) {
        const [p, m, v] = fused as [tf.Tensor, tf.Tensor, tf.Tensor];
        expAvg.assign(m);
        expAvgSq.assign(v);
        variable.assign(p);
        return;
      }
      const l2 = !this.decoupled && weightDecay !== 0;
      const decayed = this.decoupled ? tf.mul(variable, 1 - lr * weightDecay) : variable;
      const g = l2 ? tf.add(grad, tf.mul(variable, weightDecay)) : grad;
      const m = tf.add(tf.mul(expAvg, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(expAvgSq, beta2), tf.mul(tf.square(g), 1 - beta2));
      const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(biasCorrection2)), eps);
      expAvg.assign(m);
      expAvgSq.assign(v);
      variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
    });
  }

  /** A snapshot of the state (moment tensors are copies; the caller disposes them). */
  state(): AdamWState {
    const moments = new Map<string, tf.Tensor>();
    const steps: Record<string, number> = {};
    for (const [name, slot] of this.byParam) {
      if (slot.step === 0) continue;
      steps[name] = slot.step;
      if (slot.expAvg) moments.set(`exp_avg.${name}`, slot.expAvg.clone());
      if (slot.expAvgSq) moments.set(`exp_avg_sq.${name}`, slot.expAvgSq.clone());
    }
    const groups = this.groups.map((g) => ({
      name: g.name,
      params: g.params.map(([n]) => n),
      lr: g.lr,
      initialLr: g.initialLr,
      weightDecay: g.weightDecay,
      betas: [g.betas[0], g.betas[1]] as [number, number],
      eps: g.eps,
    }));
    return { meta: { groups, steps }, moments };
  }

  /**
   * Restore a snapshot (torch `load_state_dict`): the groups must have the same names and
   * parameters; their hyper-parameters (lr included) are taken from the snapshot. Copies the
   * moment values; `state` stays owned by the caller.
   */
  loadState(state: AdamWState): void {
    const { groups, steps } = state.meta;
    if (groups.length !== this.groups.length) {
      throw new Error(`AdamW.loadState: ${groups.length} saved groups, the optimizer has ${this.groups.length}`);
    }
    groups.forEach((saved, i) => {
      const own = this.groups[i] as ParamGroup;
      const names = own.params.map(([n]) => n);
      if (saved.name !== own.name || saved.params.join('\n') !== names.join('\n')) {
        throw new Error(
          `AdamW.loadState: saved group ${i} '${saved.name}' (${saved.params.length} params) does not match group '${own.name}' (${names.length} params)`,
        );
      }
    });
    for (const name of Object.keys(steps)) {
      if (!this.byParam.has(name)) throw new Error(`AdamW.loadState: state for unknown parameter '${name}'`);
    }
    groups.forEach((saved, i) => {
      const own = this.groups[i] as ParamGroup;
      own.lr = saved.lr;
      own.initialLr = saved.initialLr;
      own.weightDecay = saved.weightDecay;
      own.betas = saved.betas;
      own.eps = saved.eps;
    });
    for (const [name, slot] of this.byParam) {
      slot.step = steps[name] ?? 0;
      slot.expAvg = restoreMoment(slot.expAvg, slot.step ? state.moments.get(`exp_avg.${name}`) : undefined, slot, 'exp_avg');
      slot.expAvgSq = restoreMoment(slot.expAvgSq, slot.step ? state.moments.get(`exp_avg_sq.${name}`) : undefined, slot, 'exp_avg_sq');
    }
  }

  dispose(): void {
    for (const slot of this.byParam.values()) {
      slot.expAvg?.dispose();
      slot.expAvgSq?.dispose();
      slot.expAvg = null;
      slot.expAvgSq = null;
      slot.step = 0;
    }
  }
}

/** A non-trainable zero variable shaped like `v` (the temporary zeros tensor is released). */
function zerosVariableLike(v: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(v);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}

function restoreMoment(current: tf.Variable | null, saved: tf.Tensor | undefined, slot: ParamSlot, kind: string): tf.Variable | null {
  current?.dispose();
  if (saved === undefined) {
    if (slot.step > 0) throw new Error(`AdamW.loadState: missing ${kind} for parameter '${slot.name}'`);
    return null;
  }
  if (saved.shape.join() !== slot.variable.shape.join()) {
    throw new Error(`AdamW.loadState: ${kind} of '${slot.name}' has shape [${saved.shape}], the parameter [${slot.variable.shape}]`);
  }
  return tf.variable(saved, false);
}

export interface GroupRule extends Partial<AdamWHyperParams> {
  readonly name: string;
  /** Selects parameters by name; a rule without `match` takes every parameter no other rule took. */
  readonly match?: (paramName: string) => boolean;
}

/**
 * Split a model's trainable parameters into groups. Rules with `match` claim parameters first
 * (the first matching rule wins); at most one rule without `match` takes the rest. Group order
 * follows the rules. DETR:
 * `paramGroups(model, [{ name: 'main' }, { name: 'backbone', match: (n) => n.includes('backbone'), lr: 1e-5 }])`.
 */
/**
 * `torch.optim.Adam` with weight_decay: Adam with coupled L2 weight decay (g ← g + wd·p before the
 * moments), as MS-Transformer / ActMST train. The same groups, state and checkpoints as AdamW.
 */
export class Adam extends AdamW {
  constructor(params: readonly ParamGroupSpec[] | readonly NamedVariable[], defaults: Omit<AdamWOptions, 'decoupled'> = {}) {
    super(params, { ...defaults, decoupled: false });
  }
}

export function paramGroups(model: Module, rules: readonly GroupRule[]): ParamGroupSpec[] {
  const catchAll = rules.filter((r) => r.match === undefined);
  if (catchAll.length > 1) throw new Error(`paramGroups: more than one rule without 'match' (${catchAll.map((r) => r.name).join(', ')})`);
  const trainable = model.namedParameters().filter(([, v]) => v.trainable);
  const assigned = new Map<string, string>();
  for (const [name] of trainable) {
    const rule = rules.find((r) => r.match?.(name)) ?? catchAll[0];
    if (rule === undefined) throw new Error(`paramGroups: no rule selects parameter '${name}' and no catch-all rule is given`);
    assigned.set(name, rule.name);
  }
  return rules.map(({ match: _match, ...rest }) => ({
    ...rest,
    params: trainable.filter(([name]) => assigned.get(name) === rest.name),
  }));
}

function isNamedVariable(x: ParamGroupSpec | NamedVariable): x is NamedVariable {
  return Array.isArray(x);
}

function isGroupSpec(x: ParamGroupSpec | NamedVariable): x is ParamGroupSpec {
  return !Array.isArray(x);
}
