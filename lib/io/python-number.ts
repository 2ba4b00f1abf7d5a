// Python's numbers, bit for bit: `'{:0.Nf}'.format(x)` (the exact binary value rounded half-to-even to N
// decimals; JS `toFixed` rounds exact ties, e.g. 0.0625 → 3 digits, up instead, so COCO summaries
// could differ) and `round(x)` (DETR's resize and torchvision's center crop use it).

/** `x` with `digits` decimals, rounded as Python's fixed-point format does. */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // |x| = mantissa · 2^exponent exactly
  const mantissa = biasedExponent === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biasedExponent === 0 ? 1 : biasedExponent) - 1075;
  let numerator = mantissa * 10n ** BigInt(digits);
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  let q = numerator / denominator;
  const twiceRemainder = 2n * (numerator - q * denominator);
  if (twiceRemainder > denominator || (twiceRemainder === denominator && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(digits + 1, '0');
  const unsigned = digits > 0 ? `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}` : s;
  return x < 0 || Object.is(x, -0) ? `-${unsigned}` : unsigned;
}

/** Python's round(x): halves go to the even neighbour (DETR's resize and torchvision's center crop use it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
