// The shared io-ts codecs: what each accepts, the words its errors use, and old field names still decoding.
import { expect } from 'chai';
import * as t from 'io-ts';
import { keysOf, NonNegative, PositiveInt, Probability, withLegacyNames } from '../../lib/io/codecs.js';
import { decodeOrThrow } from '../../lib/io/decode.js';

describe('io/codecs', () => {
  it('PositiveInt, Probability and NonNegative accept exactly their ranges', () => {
    const accepted = (codec: { is: (u: unknown) => boolean }, values: unknown[]) => values.filter((v) => codec.is(v));
    expect(accepted(PositiveInt, [1, 7, 2 ** 53 - 1, 0, -1, 1.5, 2 ** 53, Number.NaN, '3'])).to.deep.equal([1, 7, 2 ** 53 - 1]);
    expect(accepted(Probability, [0, 0.5, 0.999, 1, -0.1, Number.NaN])).to.deep.equal([0, 0.5, 0.999]);
    expect(accepted(NonNegative, [0, 1e-4, 3, -1e-9, Number.POSITIVE_INFINITY, Number.NaN])).to.deep.equal([0, 1e-4, 3]);
  });

  it('errors name the source, the JSON path and what was expected', () => {
    const codec = t.type({ n: PositiveInt, p: Probability, kind: keysOf(['sine', 'learned'] as const) });
    expect(() => decodeOrThrow(codec, { n: 0, p: 1, kind: 'fixed' }, 'cfg.json')).to.throw(
      "cfg.json: at $.n: expected positive integer, got 0; at $.p: expected number in [0, 1), got 1; at $.kind: expected 'sine' | 'learned', got \"fixed\"",
    );
  });

  it('withLegacyNames decodes the old spelling as the new one, prefers the new one when both are given, and drops the old key', () => {
    const codec = withLegacyNames(t.partial({ nheads: PositiveInt, smallChannels: t.array(PositiveInt) }), {
      nhead: 'nheads',
      smallCnnChannels: 'smallChannels',
    });
    expect(decodeOrThrow(codec, { nhead: 4, smallCnnChannels: [4, 8] }, 'old')).to.deep.equal({ nheads: 4, smallChannels: [4, 8] });
    expect(decodeOrThrow(codec, { nhead: 4, nheads: 2 }, 'both')).to.deep.equal({ nheads: 2 });
    expect(() => decodeOrThrow(codec, { nhead: 0 }, 'bad')).to.throw('bad: at $.nheads: expected positive integer, got 0');
  });
});
