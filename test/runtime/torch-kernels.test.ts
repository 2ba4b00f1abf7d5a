// Every kernel of the torch backend (lib/runtime/torch/kernels.ts) against the tfjs cpu backend on
// the cases of ./torch-kernel-cases: values, shapes and dtypes, each case checked to reach its
// kernel on torch; a kernel without 5 cases fails.
import { expect } from 'chai';
import { TORCH_KERNEL_NAMES } from '../../lib/runtime/torch/kernels.js';
import { expectTorchMatchesCpu, requireTorch } from './cross-backend.js';
import { KERNEL_CASES } from './torch-kernel-cases.js';

describe('runtime: torch kernels match the cpu backend', () => {
  before(function () {
    requireTorch(this);
  });

  it('every registered kernel has cases, and every case names a registered kernel', () => {
    const missing = TORCH_KERNEL_NAMES.filter((name) => (KERNEL_CASES.get(name)?.length ?? 0) < 5);
    expect(missing, 'kernels with fewer than 5 cases').to.deep.equal([]);
    expect(
      [...KERNEL_CASES.keys()].filter((name) => !TORCH_KERNEL_NAMES.includes(name)),
      'cases of unregistered kernels',
    ).to.deep.equal([]);
  });

  for (const kernel of TORCH_KERNEL_NAMES) {
    const list = KERNEL_CASES.get(kernel) ?? [];
    it(`${kernel} (${list.length} cases)`, async () => {
      expect(list.length, `${kernel}: cases`).to.be.at.least(5);
      const failures: string[] = [];
      for (const c of list) {
        try {
          await expectTorchMatchesCpu(c.run, c.tol, `${kernel} ${c.label}`, kernel);
        } catch (error) {
          failures.push(`${c.label}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (failures.length > 0) expect.fail(`${kernel}: ${failures.length} of ${list.length} cases fail:\n${failures.join('\n')}`);
    });
  }
});
