// The sinusoidal code shared by every sine position embedding (DETR `PositionEmbeddingSine`,
// Conditional DETR `gen_sineembed_for_position`): one scalar coordinate → numPosFeats channels.
import * as tf from '@tensorflow/tfjs';

/**
 * Channel j of the code of coordinate p is sin(p / T^(2⌊j/2⌋/F)) for even j and
 * cos(p / T^(2⌊j/2⌋/F)) for odd j (sin/cos interleaved, F = numPosFeats, T = temperature).
 * coords: [...] (already scaled) → [..., numPosFeats].
 */
export function sineCode(coords: tf.Tensor, numPosFeats: number, temperature = 10000): tf.Tensor {
  if (!Number.isInteger(numPosFeats) || numPosFeats <= 0 || numPosFeats % 2 !== 0) {
    throw new Error(`sineCode: numPosFeats must be a positive even integer, got ${numPosFeats}`);
  }
  return tf.tidy(() => {
    const exponents = Array.from({ length: numPosFeats }, (_, j) => (2 * Math.floor(j / 2)) / numPosFeats);
    // Computed in float32 exactly as torch does: T ** (2 * (j // 2) / F) with a float32 exponent.
    const dimT = tf.pow(tf.scalar(temperature, 'float32'), tf.tensor1d(exponents, 'float32')); // [F]
    const phase = tf.div(tf.expandDims(coords, -1), dimT); // [..., F]
    const isSin = tf.tensor1d(
      Array.from({ length: numPosFeats }, (_, j) => j % 2 === 0),
      'bool',
    ); // [F]
    return tf.where(tf.broadcastTo(isSin, phase.shape), tf.sin(phase), tf.cos(phase));
  });
}
