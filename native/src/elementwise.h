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

// Gradient of LeakyReLU from its output: out[i] = y[i] > 0 ? dy[i] :
// dy[i] * alpha, the numbers of TF.js's where(x > 0, dy, dy * alpha) (y > 0
// exactly when x > 0, for alpha > 0).
void leaky_relu_grad(const float* dy, const float* y, float alpha, float* out,
                     int64_t size);

// out[i] = condition[i] ? t[i] : e[i].
void select(const uint8_t* condition, const float* t, const float* e,
            float* out, int64_t size);

// Transposes x of `rank` dims `shape` by `perm` into out (4-byte items).
void transpose(const uint32_t* x, uint32_t* out, int rank,
               const int64_t* shape, const int* perm);

}  // namespace mg
