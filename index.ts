// condformer: the public API. Every building block is exported from here.
export * from './lib/runtime/rng';
export * from './lib/io/decode';
export * from './lib/io/atomic';
export * from './lib/nn/module';
export * from './lib/nn/init';
export * from './lib/nn/functional';
export * from './lib/nn/linear';
export * from './lib/nn/layer-norm';
export * from './lib/nn/dropout';
export * from './lib/nn/mlp';
export * from './lib/nn/safetensors';
