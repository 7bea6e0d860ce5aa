/**
 * `MeanMetric`, as torchmetrics' `MeanMetric`: the weighted mean
 * sum(value * weight) / sum(weight) of everything passed to `update`.
 * Values that are NaN (or whose weight is NaN) are left out together with their
 * weight, as torchmetrics' default `nan_strategy='warn'` does (without the warning,
 * which would need a host sync). Sums are kept in float64 on the device of the first value.
 *
 * @example
 * const loss = new MeanMetric();
 * loss.update(batchLoss, batchSize);   // a scalar tensor weighted by the batch size
 * loss.update(0.25);                   // numbers work too
 * loss.compute().item();
 */
import { ShapeError } from '../errors.js';
import { isnan, logicalOr, tensor, tidy, where } from '../torch/index.js';
import { Tensor } from '../torch/index.js';
import { Metric } from './metric.js';

/** A weighted running mean. */
export class MeanMetric extends Metric {
  constructor() {
    super();
    this.addSumState('sum', [], 'float64');
    this.addSumState('weight', [], 'float64');
  }

  protected config(): Record<string, unknown> {
    return {};
  }

  /** Adds values (a tensor of any shape, or a number) with a weight broadcast to their shape (default 1). */
  update(value: Tensor | number, weight: Tensor | number = 1): void {
    tidy(() => {
      const v = this.#asTensor(value);
      const w = this.#asTensor(weight, v.device);
      let wide: Tensor;
      try {
        wide = w.expand(v.shape);
      } catch (cause) {
        throw new ShapeError(
          `MeanMetric: expected a weight that broadcasts to the value's shape [${v.shape.join(', ')}], but got [${w.shape.join(', ')}]`,
          { cause },
        );
      }
      const skip = logicalOr(isnan(v), isnan(wide));
      this.accumulate('sum', where(skip, 0, v.mul(wide)).sum());
      this.accumulate('weight', where(skip, 0, wide).sum());
    });
  }

  #asTensor(x: Tensor | number, device = this.device): Tensor {
    if (x instanceof Tensor) return x.detach().double();
    return tensor(x, { dtype: 'float64', device });
  }

  /** The weighted mean as a float32 scalar (NaN before any weight was added, as 0/0). */
  compute(): Tensor {
    return tidy(() => this.sumState('sum').div(this.sumState('weight')).float());
  }
}
