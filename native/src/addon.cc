// N-API bindings of the native kernels.
//
// Every function works on the typed arrays that TF.js's cpu storage already
// holds (no copies): inputs are read and outputs written through the arrays'
// own memory. Scalar parameters of the bigger kernels arrive packed in one
// Float64Array, which costs one N-API call instead of one per number.
// Arguments are checked (types and lengths) so a mistake on the JavaScript
// side raises an exception instead of corrupting memory.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "adam.h"
#include "conv.h"
#include "cpu_features.h"
#include "elementwise.h"
#include "gemm.h"
#include "random.h"
#include "reduce.h"
#include "thread_pool.h"

namespace {

// A typed array argument: its element pointer and element count.
template <class T>
struct View {
  T* data = nullptr;
  int64_t length = 0;
};

bool fail(Napi::Env env, const std::string& message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return false;
}

const char* type_name(napi_typedarray_type type) {
  switch (type) {
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint32_array: return "Uint32Array";
    default: return "another typed array";
  }
}

// Reads argument `index` as a typed array of `expected` type holding at
// least `min_length` elements.
template <class T>
bool typed(const Napi::CallbackInfo& info, size_t index,
           napi_typedarray_type expected, int64_t min_length, View<T>* out,
           const char* what) {
  napi_env env = info.Env();
  if (index >= info.Length()) {
    return fail(env, std::string(what) + ": argument missing");
  }
  napi_value value = info[index];
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) {
    return fail(env, std::string(what) + ": expected a typed array");
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_get_typedarray_info(env, value, &type, &length, &data, nullptr,
                           nullptr);
  if (type != expected) {
    return fail(env, std::string(what) + ": expected " + type_name(expected) +
                         ", got " + type_name(type));
  }
  if (static_cast<int64_t>(length) < min_length) {
    return fail(env, std::string(what) + ": expected at least " +
                         std::to_string(min_length) + " elements, got " +
                         std::to_string(length));
  }
  out->data = static_cast<T*>(data);
  out->length = static_cast<int64_t>(length);
  return true;
}

// Like typed<float>, but null or undefined give an empty view.
bool optional_floats(const Napi::CallbackInfo& info, size_t index,
                     View<float>* out, const char* what) {
  if (index >= info.Length() || info[index].IsNull() ||
      info[index].IsUndefined()) {
    *out = View<float>();
    return true;
  }
  return typed<float>(info, index, napi_float32_array, 0, out, what);
}

double number(const Napi::CallbackInfo& info, size_t index) {
  double value = 0.0;
  napi_get_value_double(info.Env(), info[index], &value);
  return value;
}

int64_t as_int(double value) { return static_cast<int64_t>(value); }

// matmul(a, b, out, bias, preluAlpha, params): params =
// [batch, m, n, k, transA, transB, aBatchStride, bBatchStride,
//  biasBatchStride, biasRowStride, biasColStride, activation,
//  preluBatchStride, preluRowStride, preluColStride, leakyAlpha]
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View<double> params;
  if (!typed(info, 5, napi_float64_array, 16, &params, "matmul params")) {
    return env.Undefined();
  }
  const double* p = params.data;
  mg::GemmProblem problem;
  problem.batch = as_int(p[0]);
  problem.m = as_int(p[1]);
  problem.n = as_int(p[2]);
  problem.k = as_int(p[3]);
  problem.trans_a = p[4] != 0.0;
  problem.trans_b = p[5] != 0.0;
  problem.a_batch_stride = as_int(p[6]);
  problem.b_batch_stride = as_int(p[7]);
  const int64_t batches_a = problem.a_batch_stride == 0 ? 1 : problem.batch;
  const int64_t batches_b = problem.b_batch_stride == 0 ? 1 : problem.batch;
  View<float> a, b, c, bias, prelu;
  if (!typed(info, 0, napi_float32_array, batches_a * problem.m * problem.k,
             &a, "matmul a") ||
      !typed(info, 1, napi_float32_array, batches_b * problem.k * problem.n,
             &b, "matmul b") ||
      !typed(info, 2, napi_float32_array,
             problem.batch * problem.m * problem.n, &c, "matmul out") ||
      !optional_floats(info, 3, &bias, "matmul bias") ||
      !optional_floats(info, 4, &prelu, "matmul prelu alpha")) {
    return env.Undefined();
  }
  problem.a = a.data;
  problem.b = b.data;
  problem.c = c.data;
  problem.bias = {bias.data, as_int(p[8]), as_int(p[9]), as_int(p[10])};
  problem.activation = static_cast<mg::Activation>(as_int(p[11]));
  problem.prelu_alpha = {prelu.data, as_int(p[12]), as_int(p[13]),
                         as_int(p[14])};
  problem.leaky_alpha = static_cast<float>(p[15]);
  if (problem.activation == mg::Activation::kPrelu && prelu.data == nullptr) {
    fail(env, "matmul: prelu activation without alpha weights");
    return env.Undefined();
  }
  mg::gemm(problem);
  return env.Undefined();
}

// binary(op, a, b, out, plan): plan = [rank, shape[rank], aStrides[rank],
// bStrides[rank]] of the collapsed broadcast (see elementwise.h).
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto op = static_cast<mg::BinaryOp>(as_int(number(info, 0)));
  View<double> plan_view;
  if (!typed(info, 4, napi_float64_array, 1, &plan_view, "binary plan")) {
    return env.Undefined();
  }
  mg::BroadcastPlan plan;
  plan.rank = static_cast<int>(plan_view.data[0]);
  if (plan.rank < 1 || plan.rank > mg::kMaxRank ||
      plan_view.length < 1 + 3 * plan.rank) {
    fail(env, "binary: broadcast plan of rank " + std::to_string(plan.rank) +
                  " is outside 1.." + std::to_string(mg::kMaxRank));
    return env.Undefined();
  }
  int64_t size = 1, a_extent = 1, b_extent = 1;
  for (int d = 0; d < plan.rank; ++d) {
    plan.shape[d] = as_int(plan_view.data[1 + d]);
    plan.a_strides[d] = as_int(plan_view.data[1 + plan.rank + d]);
    plan.b_strides[d] = as_int(plan_view.data[1 + 2 * plan.rank + d]);
    size *= plan.shape[d];
    if (plan.shape[d] > 0) {
      a_extent += (plan.shape[d] - 1) * plan.a_strides[d];
      b_extent += (plan.shape[d] - 1) * plan.b_strides[d];
    }
  }
  if (size == 0) return env.Undefined();
  View<float> a, b;
  if (!typed(info, 1, napi_float32_array, a_extent, &a, "binary a") ||
      !typed(info, 2, napi_float32_array, b_extent, &b, "binary b")) {
    return env.Undefined();
  }
  if (mg::binary_is_comparison(op)) {
    View<uint8_t> out;
    if (!typed(info, 3, napi_uint8_array, size, &out, "binary out")) {
      return env.Undefined();
    }
    mg::binary(op, a.data, b.data, out.data, plan);
  } else {
    View<float> out;
    if (!typed(info, 3, napi_float32_array, size, &out, "binary out")) {
      return env.Undefined();
    }
    mg::binary(op, a.data, b.data, out.data, plan);
  }
  return env.Undefined();
}

// unary(op, x, out, alpha, beta)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto op = static_cast<mg::UnaryOp>(as_int(number(info, 0)));
  View<float> x, out;
  if (!typed(info, 1, napi_float32_array, 0, &x, "unary x") ||
      !typed(info, 2, napi_float32_array, x.length, &out, "unary out")) {
    return env.Undefined();
  }
  mg::unary(op, x.data, out.data, x.length,
            static_cast<float>(number(info, 3)),
            static_cast<float>(number(info, 4)));
  return env.Undefined();
}

// select(condition, t, e, out)
Napi::Value Select(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View<uint8_t> condition;
  View<float> t, e, out;
  if (!typed(info, 0, napi_uint8_array, 0, &condition, "select condition") ||
      !typed(info, 1, napi_float32_array, condition.length, &t, "select t") ||
      !typed(info, 2, napi_float32_array, condition.length, &e, "select e") ||
      !typed(info, 3, napi_float32_array, condition.length, &out,
             "select out")) {
    return env.Undefined();
  }
  mg::select(condition.data, t.data, e.data, out.data, condition.length);
  return env.Undefined();
}

// denseActivationGrad(dy, h, mask, alpha, cols, dz, biasGrad): mask may be
// null; dy, h, mask and dz hold rows * cols values, biasGrad cols.
Napi::Value DenseActivationGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View<float> dy, h, mask, dz, bias_grad;
  const double cols_value = number(info, 4);
  if (!typed(info, 0, napi_float32_array, 0, &dy, "denseActivationGrad dy")) {
    return env.Undefined();
  }
  // Checked before the conversion: a NaN or huge double has no int64 value.
  const bool whole = cols_value >= 1 && cols_value <= 9.0e15 &&
                     cols_value == std::floor(cols_value);
  const int64_t cols = whole ? static_cast<int64_t>(cols_value) : 1;
  if (!whole || dy.length % cols != 0) {
    fail(env, "denseActivationGrad: expected a column count dividing " +
                  std::to_string(dy.length) + ", got " +
                  std::to_string(cols_value));
    return env.Undefined();
  }
  const bool has_mask = !info[2].IsNull();
  if (!typed(info, 1, napi_float32_array, dy.length, &h,
             "denseActivationGrad h") ||
      (has_mask && !typed(info, 2, napi_float32_array, dy.length, &mask,
                          "denseActivationGrad mask")) ||
      !typed(info, 5, napi_float32_array, dy.length, &dz,
             "denseActivationGrad dz") ||
      !typed(info, 6, napi_float32_array, cols, &bias_grad,
             "denseActivationGrad biasGrad")) {
    return env.Undefined();
  }
  mg::dense_activation_grad(dy.data, h.data, has_mask ? mask.data : nullptr,
                            static_cast<float>(number(info, 3)),
                            dy.length / cols, cols, dz.data, bias_grad.data);
  return env.Undefined();
}

// transpose(x, out, params): params = [rank, shape[rank], perm[rank]];
// x and out are Float32Array or Int32Array (moved as 4-byte items).
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View<double> params;
  if (!typed(info, 2, napi_float64_array, 1, &params, "transpose params")) {
    return env.Undefined();
  }
  const int rank = static_cast<int>(params.data[0]);
  if (rank < 1 || rank > mg::kMaxRank || params.length < 1 + 2 * rank) {
    fail(env, "transpose: rank " + std::to_string(rank) + " is outside 1.." +
                  std::to_string(mg::kMaxRank));
    return env.Undefined();
  }
  int64_t shape[mg::kMaxRank];
  int perm[mg::kMaxRank];
  int64_t size = 1;
  for (int d = 0; d < rank; ++d) {
    shape[d] = as_int(params.data[1 + d]);
    perm[d] = static_cast<int>(params.data[1 + rank + d]);
    size *= shape[d];
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr,
                           nullptr);
  View<uint32_t> x, out;
  const napi_typedarray_type kind =
      type == napi_int32_array ? napi_int32_array : napi_float32_array;
  if (!typed(info, 0, kind, size, &x, "transpose x") ||
      !typed(info, 1, kind, size, &out, "transpose out")) {
    return env.Undefined();
  }
  mg::transpose(x.data, out.data, rank, shape, perm);
  return env.Undefined();
}

// reduce(op, x, out, outer, reduceSize, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto op = static_cast<mg::ReduceOp>(as_int(number(info, 0)));
  const int64_t outer = as_int(number(info, 3));
  const int64_t reduce_size = as_int(number(info, 4));
  const int64_t inner = as_int(number(info, 5));
  View<float> x;
  if (!typed(info, 1, napi_float32_array, outer * reduce_size * inner, &x,
             "reduce x")) {
    return env.Undefined();
  }
  if (op == mg::ReduceOp::kArgMax || op == mg::ReduceOp::kArgMin) {
    View<int32_t> out;
    if (!typed(info, 2, napi_int32_array, outer * inner, &out, "reduce out")) {
      return env.Undefined();
    }
    mg::reduce(op, x.data, out.data, outer, reduce_size, inner);
  } else {
    View<float> out;
    if (!typed(info, 2, napi_float32_array, outer * inner, &out,
               "reduce out")) {
      return env.Undefined();
    }
    mg::reduce(op, x.data, out.data, outer, reduce_size, inner);
  }
  return env.Undefined();
}

// softmax(logits, out, rows, cols)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = as_int(number(info, 2));
  const int64_t cols = as_int(number(info, 3));
  View<float> x, out;
  if (!typed(info, 0, napi_float32_array, rows * cols, &x, "softmax x") ||
      !typed(info, 1, napi_float32_array, rows * cols, &out, "softmax out")) {
    return env.Undefined();
  }
  if (cols > 0) mg::softmax(x.data, out.data, rows, cols);
  return env.Undefined();
}

// batchNorm(x, mean, variance, scale, offset, epsilon, out)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View<float> x, mean, variance, scale, offset, out;
  if (!typed(info, 0, napi_float32_array, 0, &x, "batchNorm x") ||
      !typed(info, 1, napi_float32_array, 1, &mean, "batchNorm mean") ||
      !typed(info, 2, napi_float32_array, 1, &variance,
             "batchNorm variance") ||
      !optional_floats(info, 3, &scale, "batchNorm scale") ||
      !optional_floats(info, 4, &offset, "batchNorm offset") ||
      !typed(info, 6, napi_float32_array, x.length, &out, "batchNorm out")) {
    return env.Undefined();
  }
  if ((scale.data != nullptr && scale.length == 0) ||
      (offset.data != nullptr && offset.length == 0)) {
    fail(env, "batchNorm: scale and offset must not be empty");
    return env.Undefined();
  }
  mg::batch_norm(x.data, x.length, mean.data, mean.length, variance.data,
                 variance.length, scale.data, scale.length, offset.data,
                 offset.length, static_cast<float>(number(info, 5)),
                 out.data);
  return env.Undefined();
}

// adam(value, m, v, gradient, scalars): scalars as in mg::AdamScalars.
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View<float> value, m, v, gradient;
  View<double> scalars;
  if (!typed(info, 0, napi_float32_array, 0, &value, "adam value") ||
      !typed(info, 1, napi_float32_array, value.length, &m, "adam m") ||
      !typed(info, 2, napi_float32_array, value.length, &v, "adam v") ||
      !typed(info, 3, napi_float32_array, value.length, &gradient,
             "adam gradient") ||
      !typed(info, 4, napi_float64_array, 8, &scalars, "adam scalars")) {
    return env.Undefined();
  }
  const double* s = scalars.data;
  mg::AdamScalars adam{static_cast<float>(s[0]), static_cast<float>(s[1]),
                       static_cast<float>(s[2]), static_cast<float>(s[3]),
                       static_cast<float>(s[4]), static_cast<float>(s[5]),
                       static_cast<float>(s[6]), static_cast<float>(s[7])};
  mg::adam_update(value.data, m.data, v.data, gradient.data, value.length,
                  adam);
  return env.Undefined();
}

// Reads the 15 numbers of mg::ConvShape from a Float64Array.
bool conv_shape(const Napi::CallbackInfo& info, size_t index,
                mg::ConvShape* shape) {
  View<double> params;
  if (!typed(info, index, napi_float64_array, 15, &params, "conv params")) {
    return false;
  }
  const double* p = params.data;
  *shape = {as_int(p[0]),  as_int(p[1]),  as_int(p[2]),  as_int(p[3]),
            as_int(p[4]),  as_int(p[5]),  as_int(p[6]),  as_int(p[7]),
            as_int(p[8]),  as_int(p[9]),  as_int(p[10]), as_int(p[11]),
            as_int(p[12]), as_int(p[13]), as_int(p[14])};
  return true;
}

int64_t input_size(const mg::ConvShape& s) {
  return s.batch * s.in_h * s.in_w * s.in_c;
}
int64_t output_size(const mg::ConvShape& s) {
  return s.batch * s.out_h * s.out_w * s.out_c;
}
int64_t filter_size(const mg::ConvShape& s) {
  return s.filter_h * s.filter_w * s.in_c * s.out_c;
}

// conv2d(x, filter, out, params)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  mg::ConvShape s;
  View<float> x, filter, out;
  if (!conv_shape(info, 3, &s) ||
      !typed(info, 0, napi_float32_array, input_size(s), &x, "conv2d x") ||
      !typed(info, 1, napi_float32_array, filter_size(s), &filter,
             "conv2d filter") ||
      !typed(info, 2, napi_float32_array, output_size(s), &out,
             "conv2d out")) {
    return env.Undefined();
  }
  mg::conv2d(s, x.data, filter.data, out.data);
  return env.Undefined();
}

// conv2dBackpropInput(dy, filter, dx, params)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  mg::ConvShape s;
  View<float> dy, filter, dx;
  if (!conv_shape(info, 3, &s) ||
      !typed(info, 0, napi_float32_array, output_size(s), &dy,
             "conv2dBackpropInput dy") ||
      !typed(info, 1, napi_float32_array, filter_size(s), &filter,
             "conv2dBackpropInput filter") ||
      !typed(info, 2, napi_float32_array, input_size(s), &dx,
             "conv2dBackpropInput dx")) {
    return env.Undefined();
  }
  mg::conv2d_backprop_input(s, dy.data, filter.data, dx.data);
  return env.Undefined();
}

// conv2dBackpropFilter(x, dy, dfilter, params)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  mg::ConvShape s;
  View<float> x, dy, dfilter;
  if (!conv_shape(info, 3, &s) ||
      !typed(info, 0, napi_float32_array, input_size(s), &x,
             "conv2dBackpropFilter x") ||
      !typed(info, 1, napi_float32_array, output_size(s), &dy,
             "conv2dBackpropFilter dy") ||
      !typed(info, 2, napi_float32_array, filter_size(s), &dfilter,
             "conv2dBackpropFilter dfilter")) {
    return env.Undefined();
  }
  mg::conv2d_backprop_filter(s, x.data, dy.data, dfilter.data);
  return env.Undefined();
}

// dropoutMask(out, state, threshold, keep): state is a Uint32Array of the
// generator's four words, advanced in place.
Napi::Value DropoutMask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View<float> out;
  View<uint32_t> state;
  if (!typed(info, 0, napi_float32_array, 0, &out, "dropoutMask out") ||
      !typed(info, 1, napi_uint32_array, 4, &state, "dropoutMask state")) {
    return env.Undefined();
  }
  mg::dropout_mask(out.data, out.length, state.data, number(info, 2),
                   number(info, 3));
  return env.Undefined();
}

// normalFill(out, state, mean, std): state as for dropoutMask.
Napi::Value NormalFill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View<float> out;
  View<uint32_t> state;
  if (!typed(info, 0, napi_float32_array, 0, &out, "normalFill out") ||
      !typed(info, 1, napi_uint32_array, 4, &state, "normalFill state")) {
    return env.Undefined();
  }
  mg::normal_fill(out.data, out.length, state.data, number(info, 2),
                  number(info, 3));
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  mg::set_thread_count(static_cast<int>(number(info, 0)));
  return Napi::Number::New(info.Env(), mg::thread_count());
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), mg::thread_count());
}

// setIsa('portable' | 'avx2') -> whether the path is now in use.
Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  bool ok = false;
  if (name == "portable") ok = mg::set_isa(mg::Isa::kPortable);
  if (name == "avx2") ok = mg::set_isa(mg::Isa::kAvx2);
  return Napi::Boolean::New(info.Env(), ok);
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), mg::isa_name(mg::current_isa()));
}

Napi::Value HasAvx2(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), mg::cpu_has_avx2_fma());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, MatMul));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("select", Napi::Function::New(env, Select));
  exports.Set("denseActivationGrad",
              Napi::Function::New(env, DenseActivationGrad));
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput",
              Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter",
              Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("normalFill", Napi::Function::New(env, NormalFill));
  exports.Set("dropoutMask", Napi::Function::New(env, DropoutMask));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("getIsa", Napi::Function::New(env, GetIsa));
  exports.Set("hasAvx2", Napi::Function::New(env, HasAvx2));
  return exports;
}

}  // namespace

NODE_API_MODULE(mnist_gan_native, Init)
