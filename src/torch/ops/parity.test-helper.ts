/**
 * Test helper for the op tests: loads the PyTorch fixtures written by
 * scripts/fixtures/ops.py and checks one case — its outputs and the gradients
 * of its inputs — against them. Not part of the public API.
 *
 * @example
 * const fx = loadFixture('math');
 * checkCase(fx, 'add_tt', (a, b) => a.add(b));
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { isFloatingPoint } from '../dtype.js';
import { tidy } from '../memory.js';
import { loadSafetensors } from '../serialization/safetensors.js';
import type { Tensor } from '../tensor.js';
import type { ValuesIndices } from './reduce.js';

/** What a case function may return. */
export type CaseResult = Tensor | readonly Tensor[] | ValuesIndices;
/** A case: our op applied to the fixture's inputs. */
export type CaseFn = (...inputs: Tensor[]) => CaseResult;
/** Relative and absolute tolerance: |a - e| <= atol + rtol * |e|. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}
/** A table entry: a function, or a function with its tolerance. */
export type CaseEntry = CaseFn | [CaseFn, Tolerance];

/** Loads test/fixtures/ops/<area>.safetensors. */
export function loadFixture(area: string): Record<string, Tensor> {
  const path = fileURLToPath(new URL(`../../../test/fixtures/ops/${area}.safetensors`, import.meta.url));
  return loadSafetensors(path).tensors;
}

/** The case names a fixture holds. */
export function caseNames(fx: Record<string, Tensor>): string[] {
  return [
    ...new Set(
      Object.keys(fx)
        .filter((k) => k.includes('/'))
        .map((k) => k.slice(0, k.lastIndexOf('/'))),
    ),
  ].sort();
}

/** Asserts shape, dtype and values match (exactly for integer and bool tensors). */
export function assertClose(actual: Tensor, expected: Tensor, label: string, tolerance: Tolerance = {}): void {
  const { rtol = 1e-5, atol = 1e-5 } = tolerance;
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  const a = Array.from(actual.data() as ArrayLike<number | bigint>, Number);
  const e = Array.from(expected.data() as ArrayLike<number | bigint>, Number);
  const exact = !isFloatingPoint(expected.dtype);
  for (let i = 0; i < e.length; i++) {
    const ok = exact ? a[i] === e[i] : Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]) || (Number.isNaN(a[i]) && Number.isNaN(e[i]));
    if (!ok) assert.fail(`${label}: element ${i} is ${a[i]} but PyTorch gives ${e[i]} (rtol ${rtol}, atol ${atol})`);
  }
}

function outputsOf(result: CaseResult): Tensor[] {
  if (Array.isArray(result)) return [...(result as readonly Tensor[])];
  if ('values' in result && 'indices' in result) return [result.values, result.indices];
  return [result as Tensor];
}

function countPrefixed(fx: Record<string, Tensor>, prefix: string): number {
  let n = 0;
  while (`${prefix}${n}` in fx) n++;
  return n;
}

/** Runs `fn` on the case's inputs and checks outputs and input gradients against PyTorch. */
export function checkCase(fx: Record<string, Tensor>, name: string, fn: CaseFn, tolerance: Tolerance = {}): void {
  const nIn = countPrefixed(fx, `${name}/in`);
  const nOut = countPrefixed(fx, `${name}/out`);
  assert.ok(nIn > 0 && nOut > 0, `${name}: no such case in the fixture`);
  tidy(() => {
    const inputs = Array.from({ length: nIn }, (_, i) => {
      const x = fx[`${name}/in${i}`].clone();
      if (`${name}/grad${i}` in fx) x.requiresGrad = true;
      return x;
    });
    const outputs = outputsOf(fn(...inputs));
    assert.equal(outputs.length, nOut, `${name}: number of outputs`);
    outputs.forEach((o, j) => assertClose(o, fx[`${name}/out${j}`], `${name} out${j}`, tolerance));
    const weighted = outputs.flatMap((o, j) => (`${name}/w${j}` in fx ? [o.mul(fx[`${name}/w${j}`]).sum()] : []));
    if (weighted.length === 0) return;
    weighted.reduce((acc, term) => acc.add(term)).backward();
    inputs.forEach((x, i) => {
      const expected = fx[`${name}/grad${i}`];
      if (expected === undefined) return;
      const grad = x.grad;
      assert.ok(grad !== null, `${name} grad${i}: no gradient reached the input`);
      assertClose(grad, expected, `${name} grad${i}`, tolerance);
    });
  });
}

/** Defines one check per table entry and asserts the table covers every fixture case. */
export function checkTable(
  fx: Record<string, Tensor>,
  table: Record<string, CaseEntry>,
  define: (name: string, body: () => void) => void,
): void {
  define('covers every fixture case', () => assert.deepEqual(Object.keys(table).sort(), caseNames(fx)));
  for (const [name, entry] of Object.entries(table)) {
    const [fn, tolerance] = typeof entry === 'function' ? [entry, {}] : entry;
    define(name, () => checkCase(fx, name, fn, tolerance));
  }
}
