// SyncBatchNorm's training-mode computation on any device: batch statistics
// over every rank's batch of a c10d process group, with a backward that
// all-reduces what the input gradient needs. libtorch 1.13's own kernels for
// this (batch_norm_stats, batch_norm_gather_stats_with_counts,
// batch_norm_backward_reduce) are CUDA-only, so it is written with ordinary ops.
//
// Forward: each rank's per-channel mean and sum of squared deviations from
// its own mean (two passes over its batch, no E[x^2] - E[x]^2 cancellation)
// and its count are all-gathered as one float64 tensor [mean | m2 | count]
// and combined with Chan et al.'s pairwise formula (as PyTorch's
// batch_norm_gather_stats_with_counts does).
// Backward: sum(dy) and sum(dy * xhat) per channel are all-reduced as one
// float64 tensor; weight and bias get this rank's own sums (the Reducer
// averages them like any other gradient), the input gets
//   dx = weight * invstd * (dy - sum(dy) / N - xhat * sum(dy * xhat) / N)
// with the global sums and count N, i.e. the gradient of the sum of every
// rank's loss, as in torch.nn.SyncBatchNorm.
//
// Both collectives are issued by every rank in the same place of the same
// graph, so their order agrees across ranks, also interleaved with the
// Reducer's bucket all-reduces during backward. Header-only: included by
// distributed.cc alone, which owns the process-group handles.
#pragma once

#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

namespace ct {

// Per-channel statistics of the batches of all ranks.
struct GlobalBatchStats {
  at::Tensor mean;     // float64 [C]
  at::Tensor var;      // float64 [C], biased (divided by count)
  double count = 0;    // values per channel over all ranks
};

inline std::vector<int64_t> ChannelShape(const at::Tensor& input) {
  std::vector<int64_t> shape(static_cast<size_t>(input.dim()), 1);
  shape[1] = input.size(1);
  return shape;
}

inline std::vector<int64_t> ReducedDims(const at::Tensor& input) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  return dims;
}

inline GlobalBatchStats GatherBatchStats(c10d::ProcessGroup& group, const at::Tensor& x, std::chrono::milliseconds timeout) {
  const int64_t channels = x.size(1);
  const int64_t count = x.numel() / channels;
  auto options = x.options().dtype(at::kDouble);
  at::Tensor packed = at::zeros({2 * channels + 1}, options);
  if (count > 0) {
    at::Tensor mean = x.mean(ReducedDims(x));
    at::Tensor m2 = (x - mean.view(ChannelShape(x))).square().sum(ReducedDims(x));
    packed.narrow(0, 0, channels).copy_(mean);
    packed.narrow(0, channels, channels).copy_(m2);
    packed.narrow(0, 2 * channels, 1).fill_(static_cast<double>(count));
  }
  std::vector<at::Tensor> inputs{packed};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < group.getSize(); ++r) outputs[0].push_back(at::empty_like(packed));
  c10d::AllgatherOptions gatherOptions;
  gatherOptions.timeout = timeout;
  group.allgather(outputs, inputs, gatherOptions)->wait(timeout);
  at::Tensor all = at::stack(outputs[0], 0);  // [ranks, 2C + 1]
  at::Tensor means = all.narrow(1, 0, channels);
  at::Tensor m2s = all.narrow(1, channels, channels);
  at::Tensor counts = all.narrow(1, 2 * channels, 1);  // [ranks, 1]
  GlobalBatchStats stats;
  stats.count = counts.sum().item<double>();
  TORCH_CHECK(stats.count > 0, "SyncBatchNorm: expected at least one value per channel over all ranks, but got an empty batch on every rank");
  stats.mean = (counts * means).sum(0) / stats.count;
  stats.var = (m2s + counts * (means - stats.mean).square()).sum(0) / stats.count;
  return stats;
}

// Inputs: input [N, C, ...], weight [C], bias [C] (pass ones / zeros without
// requires_grad when the layer is not affine). Outputs: the normalised input
// (input's dtype), and the global mean and unbiased variance (float64,
// non-differentiable) for the running statistics.
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input,
                                                const at::Tensor& weight, const at::Tensor& bias,
                                                c10::intrusive_ptr<c10d::ProcessGroup> group, double eps,
                                                int64_t timeoutMs) {
    const auto timeout = std::chrono::milliseconds(timeoutMs);
    at::Tensor x = input.to(at::kFloat);
    GlobalBatchStats stats = GatherBatchStats(*group, x, timeout);
    at::Tensor mean = stats.mean.to(at::kFloat);
    at::Tensor invstd = (stats.var + eps).rsqrt().to(at::kFloat);
    // y = x * scale + shift, as PyTorch's CPU batch_norm transforms its input.
    at::Tensor scale = invstd * weight.to(at::kFloat);
    at::Tensor shift = bias.to(at::kFloat) - mean * scale;
    auto shape = ChannelShape(x);
    at::Tensor output = (x * scale.view(shape) + shift.view(shape)).to(input.scalar_type());
    at::Tensor unbiased = stats.var * (stats.count / std::max(stats.count - 1, 1.0));
    ctx->save_for_backward({input, weight, mean, invstd});
    ctx->saved_data["group"] = c10::IValue::make_capsule(group);
    ctx->saved_data["count"] = stats.count;
    ctx->saved_data["timeoutMs"] = timeoutMs;
    ctx->mark_non_differentiable({stats.mean, unbiased});
    return {output, stats.mean, unbiased};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list gradOutputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& input = saved[0];
    const at::Tensor& weight = saved[1];
    const at::Tensor& mean = saved[2];
    const at::Tensor& invstd = saved[3];
    auto group = c10::static_intrusive_pointer_cast<c10d::ProcessGroup>(ctx->saved_data["group"].toCapsule());
    const double count = ctx->saved_data["count"].toDouble();
    const auto timeout = std::chrono::milliseconds(ctx->saved_data["timeoutMs"].toInt());

    auto shape = ChannelShape(input);
    auto dims = ReducedDims(input);
    const int64_t channels = input.size(1);
    at::Tensor dy = gradOutputs[0].to(at::kFloat);
    at::Tensor xhat = (input.to(at::kFloat) - mean.view(shape)) * invstd.view(shape);
    at::Tensor sumDy = dy.sum(dims);
    at::Tensor sumDyXhat = (dy * xhat).sum(dims);
    // Every rank all-reduces, whichever gradients it needs: the collective order must match.
    at::Tensor packed = at::cat({sumDy, sumDyXhat}).to(at::kDouble);
    std::vector<at::Tensor> tensors{packed};
    c10d::AllreduceOptions reduceOptions;
    reduceOptions.reduceOp = c10d::ReduceOp::SUM;
    reduceOptions.timeout = timeout;
    group->allreduce(tensors, reduceOptions)->wait(timeout);

    at::Tensor gradInput, gradWeight, gradBias;
    if (ctx->needs_input_grad(0)) {
      at::Tensor meanDy = (packed.narrow(0, 0, channels) / count).to(at::kFloat);
      at::Tensor meanDyXhat = (packed.narrow(0, channels, channels) / count).to(at::kFloat);
      at::Tensor scale = weight.to(at::kFloat) * invstd;
      gradInput = ((dy - meanDy.view(shape) - xhat * meanDyXhat.view(shape)) * scale.view(shape)).to(input.scalar_type());
    }
    if (ctx->needs_input_grad(1)) gradWeight = sumDyXhat.to(weight.scalar_type());
    if (ctx->needs_input_grad(2)) gradBias = sumDy.to(weight.scalar_type());
    return {gradInput, gradWeight, gradBias, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace ct
