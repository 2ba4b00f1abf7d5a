import { expect } from 'chai';
import { formatFixed } from '../../lib/io/python-number.js';

describe("formatFixed (Python's '{:0.Nf}')", () => {
  it('rounds exact binary ties half to even, like Python', () => {
    // Python: '{:0.3f}'.format(0.0625) == '0.062', 0.1875 → '0.188', 0.5625 → '0.562'
    expect(formatFixed(0.0625, 3)).to.equal('0.062');
    expect(formatFixed(0.1875, 3)).to.equal('0.188');
    expect(formatFixed(0.5625, 3)).to.equal('0.562');
    expect((0.0625).toFixed(3)).to.equal('0.063'); // why toFixed is not enough
  });

  it('rounds non-ties by the exact binary value', () => {
    // 0.0005 is stored slightly above 5e-4 → '0.001'; 2.675 slightly below → '2.67'
    expect(formatFixed(0.0005, 3)).to.equal('0.001');
    expect(formatFixed(2.675, 2)).to.equal('2.67');
    expect(formatFixed(0.14250746007287732, 3)).to.equal('0.143');
    expect(formatFixed(0.5, 2)).to.equal('0.50');
  });

  it('formats negatives, integers and zero digits', () => {
    expect(formatFixed(-1, 3)).to.equal('-1.000');
    expect(formatFixed(-0.0004, 3)).to.equal('-0.000');
    expect(formatFixed(2.5, 0)).to.equal('2');
    expect(formatFixed(123.456, 1)).to.equal('123.5');
  });
});
