// Element-wise kernels: binary ops with broadcasting, unary ops and
// activations, select, casts, and transposition.
//
// Every float kernel matches TF.js's cpu kernel of the same name, including
// its treatment of NaN and infinity (noted where it is not the obvious one).
#pragma once

#include <cstdint>

namespace mg {

// Codes shared with the TypeScript side (src/backend/native-addon.ts).
enum class BinaryOp {
  kAdd = 0,
  kSub = 1,
  kMul = 2,
  kDiv = 3,
  kMaximum = 4,
  kMinimum = 5,
  kPow = 6,
  kSquaredDifference = 7,
  kPrelu = 8,
  kGreater = 9,
  kGreaterEqual = 10,
  kLess = 11,
  kLessEqual = 12,
  kEqual = 13,
  kNotEqual = 14,
};

enum class UnaryOp {
  kRelu = 0,
  kRelu6 = 1,
  kLeakyRelu = 2,  // alpha
  kSigmoid = 3,
  kTanh = 4,
  kSoftplus = 5,
  kExp = 6,
  kLog = 7,
  kLog1p = 8,
  kSqrt = 9,
  kRsqrt = 10,
  kSquare = 11,
  kNeg = 12,
  kAbs = 13,
  kReciprocal = 14,
  kSign = 15,
  kStep = 16,  // alpha
  kElu = 17,
  kFloor = 18,
  kCeil = 19,
  kExpm1 = 20,
  kClip = 21,  // alpha = min, beta = max
  kCopy = 22,
};

// Broadcast layout of a binary op, already collapsed: the output has
// `rank` (<= kMaxRank) dimensions `shape`, and input x is read at
// sum(index[d] * x_strides[d]) (stride 0 along broadcast dimensions).
constexpr int kMaxRank = 6;
struct BroadcastPlan {
  int rank = 1;
  int64_t shape[kMaxRank] = {0};
  int64_t a_strides[kMaxRank] = {0};
  int64_t b_strides[kMaxRank] = {0};
};

// Comparison ops write 0/1 bytes into out; the others write floats.
bool binary_is_comparison(BinaryOp op);
void binary(BinaryOp op, const float* a, const float* b, void* out,
            const BroadcastPlan& plan);

void unary(UnaryOp op, const float* x, float* out, int64_t size, float alpha,
           float beta);

// Gradient of a dense layer's LeakyReLU, and of the dropout mask after it
// when `mask` is not null, from the layer's output h [rows, cols] (h =
// LeakyReLU(z) * mask, or LeakyReLU(z)):
//   g = dy * mask (dy without a mask),   dz = h > 0 ? g : g * alpha,
// the numbers of TF.js's Multiply and LeakyReLU gradients: h > 0 exactly
// where z > 0 for alpha > 0 and a mask of zeros and positive values, and
// where the mask is 0, g and so dz are zeros either way. `bias_grad` [cols]
// receives the column sums of dz, summed over the rows in order in double,
// as TF.js's Sum over axis 0.
void dense_activation_grad(const float* dy, const float* h, const float* mask,
                           float alpha, int64_t rows, int64_t cols, float* dz,
                           float* bias_grad);

// out[i] = condition[i] ? t[i] : e[i].
void select(const uint8_t* condition, const float* t, const float* e,
            float* out, int64_t size);

// Transposes x of `rank` dims `shape` by `perm` into out (4-byte items).
void transpose(const uint32_t* x, uint32_t* out, int rank,
               const int64_t* shape, const int* perm);

}  // namespace mg
