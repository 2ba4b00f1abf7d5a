// condformer's Node-API addon over libtorch's ATen: the storage and the kernels of the `torch` and
// `torch-cuda` TensorFlow.js backends (lib/runtime/torch/). Tensors live here, in a slot table;
// JavaScript holds slot numbers. Every kernel takes slot numbers and plain numbers, runs ATen ops on
// the stored tensors without copying them to JavaScript, stores its outputs in new slots and writes
// their dtype and shape into a shared Int32Array (the "meta" buffer, see `init`):
//   meta = [outputs, (dtype, rank, dim0 … dim{rank-1}) per output]
// Only `create` (JavaScript → tensor) and `read` (tensor → JavaScript) copy data.
// Layouts follow TensorFlow.js: images NHWC, conv filters [fh, fw, in, out], depthwise filters
// [fh, fw, in, multiplier]. NHWC data is handed to ATen as an NCHW view in channels-last memory
// format, so convolutions and pools run on it without a transpose copy.
//
// dtype codes: 0 float32, 1 int32, 2 bool (TensorFlow.js' three numeric dtypes).
#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace {

// ---------------------------------------------------------------------------------------------
// State: the slot table and the meta buffer.

std::vector<at::Tensor> slots;
std::vector<uint32_t> freeSlots;
size_t liveTensors = 0;
int32_t* meta = nullptr;
size_t metaLength = 0;
Napi::Reference<Napi::Int32Array> metaRef;

// Device codes: 0 CPU, 1 the first CUDA GPU.
at::Device deviceOf(int64_t code) {
  if (code == 0) return at::Device(at::kCPU);
  if (code == 1) {
    if (!at::globalContext().hasCUDA()) throw std::runtime_error("this libtorch build has no CUDA, or no GPU is visible");
    return at::Device(at::kCUDA, 0);
  }
  throw std::runtime_error("unknown device code " + std::to_string(code));
}

at::ScalarType scalarTypeOf(int code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kInt;
    case 2: return at::kBool;
  }
  throw std::runtime_error("unknown dtype code " + std::to_string(code));
}

int dtypeCodeOf(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return 0;
    case at::kInt: return 1;
    case at::kBool: return 2;
    default: throw std::runtime_error(std::string("kernel produced an unsupported dtype ") + c10::toString(type));
  }
}

// TensorFlow.js has float32, int32 and bool only: ATen's wider results come back to those.
at::Tensor toTfjsType(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat:
    case at::kInt:
    case at::kBool: return t;
    case at::kDouble: return t.to(at::kFloat);
    case at::kLong:
    case at::kShort:
    case at::kChar:
    case at::kByte: return t.to(at::kInt);
    default: throw std::runtime_error(std::string("kernel produced an unsupported dtype ") + c10::toString(t.scalar_type()));
  }
}

// JavaScript's ToInt32 (what TensorFlow.js does storing a number in an Int32Array): truncation
// towards zero, NaN and ±∞ to 0, the rest wrapped modulo 2³². Computed in float64.
at::Tensor toInt32(const at::Tensor& x) {
  if (!x.is_floating_point()) return x.to(at::kInt);
  const double two32 = 4294967296.0, two31 = 2147483648.0;
  at::Tensor d = x.to(at::kDouble);
  d = at::where(at::isfinite(d), at::trunc(d), at::zeros_like(d));
  d = at::fmod(d, two32);                        // (−2³², 2³²), sign of d
  d = at::where(d >= two31, d - two32, at::where(d < -two31, d + two32, d));
  return d.to(at::kInt);
}

uint32_t store(const at::Tensor& t) {
  uint32_t id;
  if (!freeSlots.empty()) {
    id = freeSlots.back();
    freeSlots.pop_back();
    slots[id] = t;
  } else {
    id = static_cast<uint32_t>(slots.size());
    slots.push_back(t);
  }
  ++liveTensors;
  return id;
}

const at::Tensor& get(const Napi::Value& v) {
  const int64_t id = v.As<Napi::Number>().Int64Value();
  if (id < 0 || static_cast<size_t>(id) >= slots.size() || !slots[id].defined()) {
    throw std::runtime_error("torch backend: no tensor in slot " + std::to_string(id));
  }
  return slots[id];
}

// Store the outputs, write their dtype and shape into meta, return the first slot (the others follow
// in the array returned by `emitAll`).
Napi::Value emitAll(Napi::Env env, const std::vector<at::Tensor>& outs) {
  size_t need = 1;
  for (const auto& t : outs) need += 2 + t.dim();
  if (need > metaLength) throw std::runtime_error("torch backend: meta buffer too small");
  meta[0] = static_cast<int32_t>(outs.size());
  size_t k = 1;
  Napi::Array ids = Napi::Array::New(env, outs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    const at::Tensor t = toTfjsType(outs[i]);
    meta[k++] = dtypeCodeOf(t.scalar_type());
    meta[k++] = static_cast<int32_t>(t.dim());
    for (int64_t d = 0; d < t.dim(); ++d) meta[k++] = static_cast<int32_t>(t.size(d));
    ids.Set(i, Napi::Number::New(env, store(t)));
  }
  return ids;
}

Napi::Value emit(Napi::Env env, const at::Tensor& out) {
  const at::Tensor t = toTfjsType(out);
  if (static_cast<size_t>(3 + t.dim()) > metaLength) throw std::runtime_error("torch backend: meta buffer too small");
  meta[0] = 1;
  meta[1] = dtypeCodeOf(t.scalar_type());
  meta[2] = static_cast<int32_t>(t.dim());
  for (int64_t d = 0; d < t.dim(); ++d) meta[3 + d] = static_cast<int32_t>(t.size(d));
  return Napi::Number::New(env, store(t));
}

// ---------------------------------------------------------------------------------------------
// Argument helpers.

int64_t intArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
double numArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
bool boolArg(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Boolean>().Value(); }

std::vector<int64_t> intsArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) out[k] = a.Get(k).As<Napi::Number>().Int64Value();
  return out;
}

std::vector<at::Tensor> tensorsArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) out.push_back(get(a.Get(k)));
  return out;
}

at::TensorOptions optionsOf(at::ScalarType type, const at::Device& device) { return at::TensorOptions().dtype(type).device(device); }

// Run a kernel body with C++ errors turned into JavaScript errors, in inference mode (no autograd
// bookkeeping: TensorFlow.js does the differentiation).
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* name, F body) {
  try {
    c10::InferenceMode guard;
    return body();
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), std::string("torch backend, ") + name + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("torch backend, ") + name + ": " + e.what());
  }
}

#define KERNEL(fn) Napi::Value fn(const Napi::CallbackInfo& info)
#define BODY(name) return guarded(info, name, [&]() -> Napi::Value
#define END );

// NHWC tensor → NCHW view (channels-last memory when the NHWC tensor is contiguous), and back.
at::Tensor nchwView(const at::Tensor& nhwc) { return nhwc.permute({0, 3, 1, 2}); }
at::Tensor nhwcView(const at::Tensor& nchw) { return nchw.permute({0, 2, 3, 1}); }
at::Tensor channelsLast(const at::Tensor& nchw) { return nchw.contiguous(at::MemoryFormat::ChannelsLast); }

// ---------------------------------------------------------------------------------------------
// Set-up, storage, copies in and out.

// glibc hands blocks of 128 KiB and more to mmap and returns them to the kernel when freed, and
// trims the heap's top: every new activation of a training step then starts on fresh pages, and
// the page faults cost more than the arithmetic (a 1.6 MB element-wise product: 175 µs instead of
// ~60). Keep blocks up to glibc's 32 MiB ceiling in the heap and do not trim it, so that freed
// tensor memory is reused; the process keeps its peak resident size (flat across steps).
void keepFreedMemory() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

KERNEL(Init) {
  BODY("init") {
    Napi::Int32Array buffer = info[0].As<Napi::Int32Array>();
    metaRef = Napi::Persistent(buffer);
    meta = buffer.Data();
    metaLength = buffer.ElementLength();
    keepFreedMemory();
    return info.Env().Undefined();
  } END
}

// Threads for ATen's intra-op pool and, where Debian's libtorch sits on OpenBLAS, for OpenBLAS too
// (it starts its own threads and ignores at::set_num_threads).
KERNEL(SetThreads) {
  BODY("setThreads") {
    const int n = static_cast<int>(intArg(info, 0));
    at::set_num_threads(n);
    using SetBlasThreads = void (*)(int);
    if (auto f = reinterpret_cast<SetBlasThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
    return Napi::Number::New(info.Env(), at::get_num_threads());
  } END
}

KERNEL(Describe) {
  BODY("describe") {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("version", TORCH_VERSION_MAJOR * 10000 + TORCH_VERSION_MINOR * 100 + TORCH_VERSION_PATCH);
    o.Set("threads", at::get_num_threads());
    o.Set("cuda", at::globalContext().hasCUDA());
    o.Set("gpus", at::detail::getCUDAHooks().getNumGPUs());
    return o;
  } END
}

// create(values: Float32Array | Int32Array | Uint8Array, shape: number[], dtype, device) → slot
KERNEL(Create) {
  BODY("create") {
    Napi::TypedArray values = info[0].As<Napi::TypedArray>();
    const std::vector<int64_t> shape = intsArg(info, 1);
    const at::ScalarType type = scalarTypeOf(static_cast<int>(intArg(info, 2)));
    at::Tensor cpu = at::empty(shape, at::TensorOptions().dtype(type));
    const size_t bytes = static_cast<size_t>(cpu.numel()) * cpu.element_size();
    if (values.ByteLength() != bytes) {
      throw std::runtime_error("create: " + std::to_string(values.ByteLength()) + " bytes of values for " + std::to_string(bytes) + " bytes of tensor");
    }
    const auto* src = static_cast<const uint8_t*>(values.ArrayBuffer().Data()) + values.ByteOffset();
    if (bytes > 0) std::memcpy(cpu.data_ptr(), src, bytes);
    const at::Device device = deviceOf(intArg(info, 3));
    return emit(info.Env(), device.is_cpu() ? cpu : cpu.to(device));
  } END
}

// read(slot) → a new Float32Array / Int32Array / Uint8Array holding the values, row-major
KERNEL(Read) {
  BODY("read") {
    const at::Tensor t = get(info[0]).to(at::kCPU).contiguous();
    const size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(info.Env(), bytes);
    if (bytes > 0) std::memcpy(buffer.Data(), t.data_ptr(), bytes);
    switch (t.scalar_type()) {
      case at::kFloat: return Napi::Float32Array::New(info.Env(), t.numel(), buffer, 0);
      case at::kInt: return Napi::Int32Array::New(info.Env(), t.numel(), buffer, 0);
      case at::kBool: return Napi::Uint8Array::New(info.Env(), t.numel(), buffer, 0);
      default: throw std::runtime_error("read: unsupported dtype");
    }
  } END
}

KERNEL(Free) {
  BODY("free") {
    const int64_t id = intArg(info, 0);
    if (id < 0 || static_cast<size_t>(id) >= slots.size() || !slots[id].defined()) throw std::runtime_error("free: no tensor in slot " + std::to_string(id));
    slots[id] = at::Tensor();
    freeSlots.push_back(static_cast<uint32_t>(id));
    --liveTensors;
    return info.Env().Undefined();
  } END
}

KERNEL(Live) {
  BODY("live") { return Napi::Number::New(info.Env(), static_cast<double>(liveTensors)); } END
}

// synchronize(device): wait for the device's queued kernels (CUDA); a no-op on CPU.
KERNEL(Synchronize) {
  BODY("synchronize") {
    const at::Device device = deviceOf(intArg(info, 0));
    if (device.is_cuda()) at::detail::getCUDAHooks().deviceSynchronize(device.index());
    return info.Env().Undefined();
  } END
}

// ---------------------------------------------------------------------------------------------
// Element-wise kernels.

// unary(op, x, alpha) — op names follow TensorFlow.js kernel names.
KERNEL(Unary) {
  BODY("unary") {
    const std::string op = info[0].As<Napi::String>().Utf8Value();
    const at::Tensor& input = get(info[1]);
    // TensorFlow.js keeps int32 for these on int32 input: the float result truncated (ToInt32).
    static const std::set<std::string> truncatedOnInt = {"Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Expm1", "Log1p", "Reciprocal", "Sinh", "Selu", "Softplus"};
    const bool truncate = input.scalar_type() == at::kInt && truncatedOnInt.count(op) > 0;
    const at::Tensor x = truncate ? input.to(at::kFloat) : input;
    const double alpha = info.Length() > 2 ? numArg(info, 2) : 0.0;
    at::Tensor y;
    if (op == "Abs") y = at::abs(x);
    else if (op == "Neg") y = at::neg(x);
    else if (op == "Exp") y = at::exp(x);
    else if (op == "Log") y = at::log(x);
    else if (op == "Log1p") y = at::log1p(x);
    else if (op == "Expm1") y = at::expm1(x);
    else if (op == "Sqrt") y = at::sqrt(x);
    else if (op == "Rsqrt") y = at::rsqrt(x);
    else if (op == "Square") y = at::mul(x, x);
    else if (op == "Reciprocal") y = at::reciprocal(x);
    else if (op == "Sin") y = at::sin(x);
    else if (op == "Cos") y = at::cos(x);
    else if (op == "Tan") y = at::tan(x);
    else if (op == "Asin") y = at::asin(x);
    else if (op == "Acos") y = at::acos(x);
    else if (op == "Atan") y = at::atan(x);
    else if (op == "Sinh") y = at::sinh(x);
    else if (op == "Cosh") y = at::cosh(x);
    else if (op == "Tanh") y = at::tanh(x);
    else if (op == "Asinh") y = at::asinh(x);
    else if (op == "Acosh") y = at::acosh(x);
    else if (op == "Atanh") y = at::atanh(x);
    else if (op == "Floor") y = x.is_floating_point() ? at::floor(x) : x;
    else if (op == "Ceil") y = x.is_floating_point() ? at::ceil(x) : x;
    else if (op == "Round") y = x.is_floating_point() ? at::round(x) : x;  // half to even, as TensorFlow.js
    else if (op == "Sign") y = at::sign(x);
    else if (op == "Sigmoid") y = at::sigmoid(x);
    else if (op == "Softplus") y = at::softplus(x);
    else if (op == "Relu") y = at::relu(x);
    else if (op == "Relu6") y = at::clamp(x, 0, 6);
    else if (op == "Elu") y = at::elu(x);
    else if (op == "Selu") y = at::selu(x);
    else if (op == "LeakyRelu") y = at::where(x < 0, x * alpha, x);
    else if (op == "Erf") y = at::erf(x);
    // Step: 1 where x > 0, alpha elsewhere, NaN kept.
    else if (op == "Step") y = at::where(at::isnan(x), x, at::where(x > 0, at::ones_like(x), at::full_like(x, alpha)));
    else if (op == "LogicalNot") y = at::logical_not(x);
    else if (op == "IsNan") y = at::isnan(x);
    else if (op == "IsInf") y = at::isinf(x);
    else if (op == "IsFinite") y = at::isfinite(x);
    else if (op == "Identity") y = x;
    else throw std::runtime_error("unknown unary op " + op);
    return emit(info.Env(), truncate ? toInt32(y) : y);
  } END
}

// binary(op, a, b) with NumPy broadcasting, as TensorFlow.js.
KERNEL(Binary) {
  BODY("binary") {
    const std::string op = info[0].As<Napi::String>().Utf8Value();
    const at::Tensor& a = get(info[1]);
    const at::Tensor& b = get(info[2]);
    at::Tensor y;
    if (op == "Add") y = at::add(a, b);
    else if (op == "Sub") y = at::sub(a, b);
    else if (op == "Multiply") y = at::mul(a, b);
    else if (op == "RealDiv") y = at::div(a, b);
    // TensorFlow.js: int32 out for every input dtype, Math.floor(a / b) in float64 stored in an
    // Int32Array (a zero divisor gives ±∞ or NaN, stored as 0).
    else if (op == "FloorDiv") y = toInt32(at::floor(at::div(a.to(at::kDouble), b.to(at::kDouble))));
    // The sign of the divisor, as TensorFlow.js; an int32 zero divisor gives 0 (NaN stored in an
    // Int32Array) where ATen would throw.
    else if (op == "Mod") {
      if (a.is_floating_point() || b.is_floating_point()) {
        // TensorFlow.js' formula (rem = a % b, kept when a and b have the same sign, else
        // (rem + b) % b): as at::remainder except at ±∞ divisors (−5 mod ∞ is NaN, not ∞).
        const at::Tensor rem = at::fmod(a, b);
        const at::Tensor same = at::logical_or(at::logical_and(a < 0, b < 0), at::logical_and(a >= 0, b >= 0));
        y = at::where(same, rem, at::fmod(rem + b, b));
      }
      else {
        const at::Tensor zero = at::eq(b, 0);
        y = at::where(zero, at::zeros({}, a.options()), at::remainder(a, at::where(zero, at::ones({}, b.options()), b)));
      }
    }
    else if (op == "Maximum") y = at::maximum(a, b);
    else if (op == "Minimum") y = at::minimum(a, b);
    else if (op == "Pow") y = at::pow(a, b);
    else if (op == "SquaredDifference") {
      const at::Tensor d = at::sub(a, b);
      y = at::mul(d, d);
    } else if (op == "Atan2") {
      // int32 operands give int32, the float result truncated, as TensorFlow.js
      const bool ints = a.scalar_type() == at::kInt && b.scalar_type() == at::kInt;
      y = ints ? toInt32(at::atan2(a.to(at::kFloat), b.to(at::kFloat))) : at::atan2(a, b);
    }
    else if (op == "Prelu") y = at::where(a < 0, at::mul(a, b), a);
    else if (op == "Equal") y = at::eq(a, b);
    else if (op == "NotEqual") y = at::ne(a, b);
    else if (op == "Greater") y = at::gt(a, b);
    else if (op == "GreaterEqual") y = at::ge(a, b);
    else if (op == "Less") y = at::lt(a, b);
    else if (op == "LessEqual") y = at::le(a, b);
    else if (op == "LogicalAnd") y = at::logical_and(a, b);
    else if (op == "LogicalOr") y = at::logical_or(a, b);
    else if (op == "LogicalXor") y = at::logical_xor(a, b);
    else throw std::runtime_error("unknown binary op " + op);
    return emit(info.Env(), y);
  } END
}

// addN(slots[])
KERNEL(AddN) {
  BODY("addN") {
    const std::vector<at::Tensor> xs = tensorsArg(info, 0);
    at::Tensor y = xs.at(0).clone();
    for (size_t i = 1; i < xs.size(); ++i) y.add_(xs[i]);
    return emit(info.Env(), y);
  } END
}

// select(condition, a, b); a condition of rank 1 under higher-rank a picks whole rows (TensorFlow.js).
KERNEL(Select) {
  BODY("select") {
    at::Tensor c = get(info[0]);
    const at::Tensor& a = get(info[1]);
    const at::Tensor& b = get(info[2]);
    if (c.dim() == 1 && a.dim() > 1) {
      std::vector<int64_t> shape(a.dim(), 1);
      shape[0] = c.size(0);
      c = c.reshape(shape);
    }
    return emit(info.Env(), at::where(c.to(at::kBool), a, b));
  } END
}

// clip(x, min, max)
KERNEL(Clip) {
  BODY("clip") {
    // int32 stays int32 (bounds compared as numbers, the result truncated back), as TensorFlow.js.
    const at::Tensor& x = get(info[0]);
    const at::Tensor y = at::clamp(x.is_floating_point() ? x : x.to(at::kDouble), numArg(info, 1), numArg(info, 2));
    return emit(info.Env(), x.is_floating_point() ? y : toInt32(y));
  } END
}

// cast(x, dtype); float → int32 is JavaScript's ToInt32 (truncation towards zero, NaN and ±∞ to
// 0), as TensorFlow.js' Int32Array.from.
KERNEL(Cast) {
  BODY("cast") {
    const at::Tensor& x = get(info[0]);
    const at::ScalarType type = scalarTypeOf(static_cast<int>(intArg(info, 1)));
    if (type == at::kBool) return emit(info.Env(), at::ne(x, 0));
    if (type == at::kInt) return emit(info.Env(), toInt32(x));
    return emit(info.Env(), x.to(type));
  } END
}

// ---------------------------------------------------------------------------------------------
// Creation.

// fill(shape, value, dtype, device)
KERNEL(Fill) {
  BODY("fill") {
    const at::ScalarType type = scalarTypeOf(static_cast<int>(intArg(info, 2)));
    return emit(info.Env(), at::full(intsArg(info, 0), numArg(info, 1), optionsOf(type, deviceOf(intArg(info, 3)))));
  } END
}

// range(start, step, count, dtype, device): TensorFlow.js' values — the first is start, each next
// one the previous plus step, rounded to the dtype at every step (float32, or int32 truncation).
KERNEL(Range) {
  BODY("range") {
    const double start = numArg(info, 0), step = numArg(info, 1);
    const int64_t n = std::max<int64_t>(0, intArg(info, 2));
    const at::ScalarType type = scalarTypeOf(static_cast<int>(intArg(info, 3)));
    at::Tensor r = at::empty({n}, at::TensorOptions().dtype(type));
    if (type == at::kFloat) {
      float* p = r.data_ptr<float>();
      float v = static_cast<float>(start);
      for (int64_t i = 0; i < n; ++i, v = static_cast<float>(static_cast<double>(v) + step)) p[i] = v;
    } else if (type == at::kInt) {
      int32_t* p = r.data_ptr<int32_t>();
      const auto toInt = [](double d) { return std::isfinite(d) ? static_cast<int32_t>(static_cast<int64_t>(std::trunc(d))) : 0; };
      int32_t v = toInt(start);
      for (int64_t i = 0; i < n; ++i, v = toInt(static_cast<double>(v) + step)) p[i] = v;
    } else {
      throw std::runtime_error("range: dtype must be float32 or int32");
    }
    const at::Device device = deviceOf(intArg(info, 4));
    return emit(info.Env(), device.is_cpu() ? r : r.to(device));
  } END
}

// linspace(start, stop, num, device)
KERNEL(LinSpace) {
  BODY("linspace") { return emit(info.Env(), at::linspace(numArg(info, 0), numArg(info, 1), intArg(info, 2), optionsOf(at::kFloat, deviceOf(intArg(info, 3))))); } END
}

// oneHot(indices, depth, onValue, offValue, dtype): indices outside [0, depth) give a row of offValue.
KERNEL(OneHot) {
  BODY("oneHot") {
    const at::Tensor& indices = get(info[0]);
    const int64_t depth = intArg(info, 1);
    const at::ScalarType type = scalarTypeOf(static_cast<int>(intArg(info, 4)));
    const at::Device device = indices.device();
    const at::Tensor hit = at::eq(indices.unsqueeze(-1).to(at::kLong), at::arange(depth, optionsOf(at::kLong, device)));
    return emit(info.Env(), at::where(hit, at::scalar_tensor(numArg(info, 2), optionsOf(type, device)), at::scalar_tensor(numArg(info, 3), optionsOf(type, device))));
  } END
}

// ---------------------------------------------------------------------------------------------
// Shapes and slicing (views where ATen allows).

KERNEL(Reshape) {
  BODY("reshape") { return emit(info.Env(), get(info[0]).reshape(intsArg(info, 1))); } END
}

KERNEL(Transpose) {
  BODY("transpose") { return emit(info.Env(), get(info[0]).permute(intsArg(info, 1))); } END
}

KERNEL(Concat) {
  BODY("concat") { return emit(info.Env(), at::cat(tensorsArg(info, 0), intArg(info, 1))); } END
}

KERNEL(Stack) {
  BODY("stack") { return emit(info.Env(), at::stack(tensorsArg(info, 0), intArg(info, 1))); } END
}

KERNEL(Unstack) {
  BODY("unstack") { return emitAll(info.Env(), at::unbind(get(info[0]), intArg(info, 1))); } END
}

// split(x, sizes[], axis)
KERNEL(Split) {
  BODY("split") { return emitAll(info.Env(), at::split_with_sizes(get(info[0]), intsArg(info, 1), intArg(info, 2))); } END
}

// stridedSlice(x, begin[], end[], strides[]): per-dimension, already normalised (non-negative
// begin; end ≥ −1 for negative strides; ATen slices with positive steps, so negative ones flip).
KERNEL(StridedSlice) {
  BODY("stridedSlice") {
    at::Tensor y = get(info[0]);
    const std::vector<int64_t> begin = intsArg(info, 1), end = intsArg(info, 2), strides = intsArg(info, 3);
    for (int64_t d = 0; d < static_cast<int64_t>(begin.size()); ++d) {
      const int64_t s = strides[d];
      if (s > 0) {
        y = y.slice(d, begin[d], std::max(begin[d], end[d]), s);
      } else {
        // Elements begin, begin+s, … while > end: take them reversed as a positive-step slice of the flip.
        const int64_t count = std::max<int64_t>(0, (begin[d] - end[d] + (-s) - 1) / (-s));
        const int64_t last = begin[d] - (count - 1) * (-s);
        y = count == 0 ? y.slice(d, 0, 0) : y.slice(d, last, begin[d] + 1, -s).flip({d});
      }
    }
    return emit(info.Env(), y);
  } END
}

KERNEL(Tile) {
  BODY("tile") { return emit(info.Env(), get(info[0]).repeat(intsArg(info, 1))); } END
}

KERNEL(Reverse) {
  BODY("reverse") { return emit(info.Env(), get(info[0]).flip(intsArg(info, 1))); } END
}

// pad(x, paddings [before0, after0, before1, after1, …], value)
KERNEL(Pad) {
  BODY("pad") {
    const at::Tensor& x = get(info[0]);
    const std::vector<int64_t> p = intsArg(info, 1);
    std::vector<int64_t> torchPad;  // last dimension first
    for (int64_t d = x.dim() - 1; d >= 0; --d) {
      torchPad.push_back(p[2 * d]);
      torchPad.push_back(p[2 * d + 1]);
    }
    return emit(info.Env(), at::constant_pad_nd(x, torchPad, numArg(info, 2)));
  } END
}

// ---------------------------------------------------------------------------------------------
// Gathers and scatters.

// gather(x, indices, axis, batchDims): out = x.shape[:axis] + indices.shape[batchDims:] + x.shape[axis+1:]
KERNEL(Gather) {
  BODY("gather") {
    const at::Tensor& x = get(info[0]);
    const at::Tensor& indices = get(info[1]);
    const int64_t axis = intArg(info, 2), batchDims = intArg(info, 3);
    int64_t batch = 1, outer = 1, slice = 1;
    for (int64_t d = 0; d < batchDims; ++d) batch *= x.size(d);
    for (int64_t d = batchDims; d < axis; ++d) outer *= x.size(d);
    for (int64_t d = axis + 1; d < x.dim(); ++d) slice *= x.size(d);
    const int64_t dim = x.size(axis);
    const int64_t count = batch == 0 ? 0 : indices.numel() / batch;
    const at::Tensor x4 = x.reshape({batch, outer, dim, slice});
    const at::Tensor idx = indices.to(at::kLong).reshape({batch, 1, count, 1}).expand({batch, outer, count, slice});
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + axis);
    for (int64_t d = batchDims; d < indices.dim(); ++d) shape.push_back(indices.size(d));
    for (int64_t d = axis + 1; d < x.dim(); ++d) shape.push_back(x.size(d));
    return emit(info.Env(), at::gather(x4, 2, idx).reshape(shape));
  } END
}

// Row-major flat positions of the index tuples in the last dimension of `indices` ([…, K]) in `shape`.
at::Tensor flatPositions(const at::Tensor& indices, at::IntArrayRef shape) {
  const int64_t k = indices.size(-1);
  std::vector<int64_t> strides(k, 1);
  for (int64_t d = k - 2; d >= 0; --d) strides[d] = strides[d + 1] * shape[d + 1];
  const at::Tensor s = at::tensor(strides, at::TensorOptions().dtype(at::kLong)).to(indices.device());
  return (indices.to(at::kLong) * s).sum(-1).reshape({-1});
}

// gatherNd(x, indices[…, K]) → indices.shape[:-1] + x.shape[K:]
KERNEL(GatherNd) {
  BODY("gatherNd") {
    const at::Tensor& x = get(info[0]);
    const at::Tensor& indices = get(info[1]);
    const int64_t k = indices.size(-1);
    int64_t slice = 1;
    for (int64_t d = k; d < x.dim(); ++d) slice *= x.size(d);
    const at::Tensor rows = x.reshape({-1, slice}).index_select(0, flatPositions(indices, x.sizes()));
    std::vector<int64_t> shape(indices.sizes().begin(), indices.sizes().end() - 1);
    for (int64_t d = k; d < x.dim(); ++d) shape.push_back(x.size(d));
    return emit(info.Env(), rows.reshape(shape));
  } END
}

// scatterNd(indices[…, K], updates, shape): zeros of `shape` with the updates summed in.
KERNEL(ScatterNd) {
  BODY("scatterNd") {
    const at::Tensor& indices = get(info[0]);
    const at::Tensor& updates = get(info[1]);
    const std::vector<int64_t> shape = intsArg(info, 2);
    const int64_t k = indices.size(-1);
    int64_t rows = 1, slice = 1;
    for (int64_t d = 0; d < k; ++d) rows *= shape[d];
    for (int64_t d = k; d < static_cast<int64_t>(shape.size()); ++d) slice *= shape[d];
    at::Tensor out = at::zeros({rows, slice}, updates.options());
    out.index_add_(0, flatPositions(indices, shape), updates.reshape({-1, slice}));
    return emit(info.Env(), out.reshape(shape));
  } END
}

// unsortedSegmentSum(x, segmentIds, numSegments): ids of shape x.shape[:r]; out [numSegments, x.shape[r:]]
KERNEL(UnsortedSegmentSum) {
  BODY("unsortedSegmentSum") {
    const at::Tensor& x = get(info[0]);
    const at::Tensor& ids = get(info[1]);
    const int64_t segments = intArg(info, 2);
    const int64_t slice = ids.numel() == 0 ? 0 : x.numel() / ids.numel();
    std::vector<int64_t> shape{segments};
    for (int64_t d = ids.dim(); d < x.dim(); ++d) shape.push_back(x.size(d));
    const at::Tensor flatIds = ids.reshape({-1}).to(at::kLong);
    // TensorFlow drops rows whose segment id is negative or ≥ numSegments.
    const at::Tensor keep = at::logical_and(flatIds >= 0, flatIds < segments);
    at::Tensor out = at::zeros({segments, slice}, x.options());
    out.index_add_(0, flatIds.masked_select(keep), x.reshape({-1, slice}).index_select(0, at::nonzero(keep).reshape({-1})));
    return emit(info.Env(), out.reshape(shape));
  } END
}

// ---------------------------------------------------------------------------------------------
// Reductions, scans, sorting.

// reduce(op, x, axes[], keepDims)
KERNEL(Reduce) {
  BODY("reduce") {
    const std::string op = info[0].As<Napi::String>().Utf8Value();
    const at::Tensor& x = get(info[1]);
    const std::vector<int64_t> axes = intsArg(info, 2);
    const bool keep = boolArg(info, 3);
    if (axes.empty()) return emit(info.Env(), x);
    int64_t reduced = 1;
    for (int64_t d : axes) reduced *= x.size(d);
    if (reduced == 0 && (op == "Max" || op == "Min" || op == "Mean")) {
      // An empty reduction: TensorFlow.js gives NaN for Max / Min (0 once stored as int32), 0 for Mean.
      const at::Tensor zeros = at::sum(x, axes, keep, x.scalar_type() == at::kBool ? at::kInt : x.scalar_type());
      if (op == "Mean") return emit(info.Env(), zeros.to(at::kFloat));
      return emit(info.Env(), x.is_floating_point() ? at::full_like(zeros, std::numeric_limits<double>::quiet_NaN()) : zeros.to(x.scalar_type() == at::kBool ? at::kBool : zeros.scalar_type()));
    }
    at::Tensor y;
    if (op == "Sum") y = at::sum(x, axes, keep, x.scalar_type() == at::kBool ? at::kInt : x.scalar_type());
    else if (op == "Mean") y = at::mean(x.is_floating_point() ? x : x.to(at::kFloat), axes, keep).to(x.is_floating_point() ? x.scalar_type() : at::kFloat);
    else if (op == "Max") y = at::amax(x, axes, keep);
    else if (op == "Min") y = at::amin(x, axes, keep);
    else if (op == "Prod") {
      y = x;
      std::vector<int64_t> sorted = axes;
      std::sort(sorted.rbegin(), sorted.rend());
      for (int64_t d : sorted) y = at::prod(y, d, keep, x.scalar_type() == at::kBool ? at::kInt : x.scalar_type());
    } else if (op == "All" || op == "Any") {
      y = x.to(at::kBool);
      std::vector<int64_t> sorted = axes;
      std::sort(sorted.rbegin(), sorted.rend());
      for (int64_t d : sorted) y = op == "All" ? at::all(y, d, keep) : at::any(y, d, keep);
    } else throw std::runtime_error("unknown reduction " + op);
    return emit(info.Env(), y.scalar_type() == at::kLong ? y.to(x.scalar_type() == at::kBool ? at::kInt : x.scalar_type()) : y);
  } END
}

// argMinMax(isMax, x, axis): the first index of the extreme value, int32. NaN as TensorFlow.js,
// which scans with > / <: a NaN is never taken, except as the first element, which then stays.
KERNEL(ArgMinMax) {
  BODY("argMinMax") {
    const bool isMax = boolArg(info, 0);
    const at::Tensor& x = get(info[1]);
    const int64_t axis = intArg(info, 2);
    if (!x.is_floating_point() || x.size(axis) == 0) {
      const at::Tensor xs = x.scalar_type() == at::kBool ? x.to(at::kInt) : x;  // ATen has no bool argmax
      return emit(info.Env(), (isMax ? at::argmax(xs, axis) : at::argmin(xs, axis)).to(at::kInt));
    }
    const at::Tensor nan = at::isnan(x);
    const double inf = std::numeric_limits<double>::infinity();
    const at::Tensor clean = at::where(nan, at::full({}, isMax ? -inf : inf, x.options()), x);
    const at::Tensor index = (isMax ? at::argmax(clean, axis) : at::argmin(clean, axis)).to(at::kInt);
    return emit(info.Env(), at::where(nan.select(axis, 0), at::zeros({}, index.options()), index));
  } END
}

// cumulative(isProduct, x, axis, exclusive, reverse)
KERNEL(Cumulative) {
  BODY("cumulative") {
    const bool product = boolArg(info, 0);
    at::Tensor x = get(info[1]);
    const int64_t axis = intArg(info, 2);
    const bool exclusive = boolArg(info, 3), reverse = boolArg(info, 4);
    if (reverse) x = x.flip({axis});
    if (exclusive) {
      // Shift by one along the axis, filling with the identity.
      std::vector<int64_t> pad(2 * (x.dim() - axis), 0);
      pad[pad.size() - 2] = 1;
      x = at::constant_pad_nd(x, pad, product ? 1.0 : 0.0).narrow(axis, 0, x.size(axis));
    }
    at::Tensor y = product ? at::cumprod(x, axis) : at::cumsum(x, axis);
    if (reverse) y = y.flip({axis});
    // bool sums and products count in int32 (TensorFlow.js' upcastType(dtype, 'int32')).
    const at::ScalarType in = get(info[1]).scalar_type();
    return emit(info.Env(), y.to(in == at::kBool ? at::kInt : in));
  } END
}

// topk(x, k, sorted) → values, indices (int32) along the last axis; ties keep the lower index first.
KERNEL(TopK) {
  BODY("topk") {
    const at::Tensor& x = get(info[0]);
    const int64_t k = intArg(info, 1);
    auto [values, indices] = at::sort(x, /*stable=*/true, /*dim=*/-1, /*descending=*/true);
    return emitAll(info.Env(), {values.narrow(-1, 0, k), indices.narrow(-1, 0, k).to(at::kInt)});
  } END
}

// softmax(x, dim) / logSoftmax(x, dim)
KERNEL(Softmax) {
  BODY("softmax") {
    const at::Tensor& x = get(info[1]);
    const int64_t dim = intArg(info, 2);
    return emit(info.Env(), boolArg(info, 0) ? at::log_softmax(x, dim) : at::softmax(x, dim));
  } END
}

// ---------------------------------------------------------------------------------------------
// Products and convolutions.

at::Tensor activate(const at::Tensor& y, const std::string& activation, const at::Tensor* preluWeights, double alpha) {
  if (activation.empty() || activation == "linear") return y;
  if (activation == "relu") return at::relu(y);
  if (activation == "relu6") return at::clamp(y, 0, 6);
  if (activation == "elu") return at::elu(y);
  if (activation == "sigmoid") return at::sigmoid(y);
  if (activation == "leakyrelu") return at::where(y < 0, y * alpha, y);
  if (activation == "prelu") return at::where(y < 0, y * *preluWeights, y);
  throw std::runtime_error("unknown fused activation " + activation);
}

// matmul(a, b, transposeA, transposeB, bias | -1, activation, preluWeights | -1, leakyAlpha):
// batch dimensions broadcast.
KERNEL(MatMul) {
  BODY("matmul") {
    at::Tensor a = get(info[0]);
    at::Tensor b = get(info[1]);
    if (boolArg(info, 2)) a = a.transpose(-2, -1);
    if (boolArg(info, 3)) b = b.transpose(-2, -1);
    at::Tensor y = at::matmul(a, b);
    if (info.Length() > 4) {
      if (intArg(info, 4) >= 0) y = y.add_(get(info[4]));
      const at::Tensor* prelu = intArg(info, 6) >= 0 ? &get(info[6]) : nullptr;
      y = activate(y, info[5].As<Napi::String>().Utf8Value(), prelu, numArg(info, 7));
    }
    return emit(info.Env(), y);
  } END
}

struct ConvGeometry {
  std::vector<int64_t> strides, dilations;
  int64_t top, bottom, left, right;
  bool depthwise;
  bool symmetric() const { return top == bottom && left == right; }
};

// Arguments at i: strides[2], pads[top, bottom, left, right], dilations[2], depthwise
ConvGeometry geometryArg(const Napi::CallbackInfo& info, size_t i) {
  const std::vector<int64_t> pads = intsArg(info, i + 1);
  return {intsArg(info, i), intsArg(info, i + 2), pads[0], pads[1], pads[2], pads[3], boolArg(info, i + 3)};
}

// TensorFlow.js filter → ATen weight [out, in/groups, fh, fw]
at::Tensor weightOf(const at::Tensor& filter, bool depthwise) {
  if (!depthwise) return filter.permute({3, 2, 0, 1});
  const int64_t fh = filter.size(0), fw = filter.size(1), c = filter.size(2), m = filter.size(3);
  return filter.reshape({fh, fw, c * m}).permute({2, 0, 1}).unsqueeze(1);
}

at::Tensor filterOf(const at::Tensor& weight, bool depthwise, at::IntArrayRef filterShape) {
  if (!depthwise) return weight.permute({2, 3, 1, 0});
  return weight.squeeze(1).permute({1, 2, 0}).reshape(filterShape);
}

// An NCHW tensor padded by the geometry's top / bottom / left / right with `value`, and back.
at::Tensor pad2d(const at::Tensor& xNchw, const ConvGeometry& g, double value) {
  return at::constant_pad_nd(xNchw, {g.left, g.right, g.top, g.bottom}, value);
}

at::Tensor unpad2d(const at::Tensor& paddedNchw, const ConvGeometry& g, int64_t height, int64_t width) {
  return paddedNchw.narrow(2, g.top, height).narrow(3, g.left, width);
}

// Symmetric padding goes to ATen; asymmetric padding (TensorFlow's 'same' with an odd total) is
// applied to the input first.
at::Tensor padInput(const at::Tensor& xNchw, const ConvGeometry& g) {
  return g.symmetric() ? xNchw : pad2d(xNchw, g, 0.0);
}

std::vector<int64_t> atenPadding(const ConvGeometry& g) {
  return g.symmetric() ? std::vector<int64_t>{g.top, g.left} : std::vector<int64_t>{0, 0};
}

// conv2d(x NHWC, filter, strides, pads, dilations, depthwise, bias | -1, activation, prelu | -1, alpha)
KERNEL(Conv2d) {
  BODY("conv2d") {
    const at::Tensor& x = get(info[0]);
    const at::Tensor& filter = get(info[1]);
    const ConvGeometry g = geometryArg(info, 2);
    const at::Tensor input = padInput(nchwView(x), g);
    const int64_t groups = g.depthwise ? x.size(3) : 1;
    at::Tensor y = nhwcView(at::conv2d(input, weightOf(filter, g.depthwise), {}, g.strides, atenPadding(g), g.dilations, groups));
    if (info.Length() > 6) {
      if (intArg(info, 6) >= 0) y = y.add(get(info[6]));
      const at::Tensor* prelu = intArg(info, 8) >= 0 ? &get(info[8]) : nullptr;
      y = activate(y, info[7].As<Napi::String>().Utf8Value(), prelu, numArg(info, 9));
    }
    return emit(info.Env(), y);
  } END
}

// conv2dBackpropInput(dy NHWC, filter, inputShape NHWC, strides, pads, dilations, depthwise)
KERNEL(Conv2dBackpropInput) {
  BODY("conv2dBackpropInput") {
    const at::Tensor& dy = get(info[0]);
    const at::Tensor& filter = get(info[1]);
    const std::vector<int64_t> shape = intsArg(info, 2);  // N H W C
    const ConvGeometry g = geometryArg(info, 3);
    const int64_t padH = g.symmetric() ? 0 : g.top + g.bottom, padW = g.symmetric() ? 0 : g.left + g.right;
    const at::Tensor input = at::empty({shape[0], shape[3], shape[1] + padH, shape[2] + padW}, dy.options()).contiguous(at::MemoryFormat::ChannelsLast);
    const int64_t groups = g.depthwise ? shape[3] : 1;
    auto grads = at::convolution_backward(channelsLast(nchwView(dy)), input, weightOf(filter, g.depthwise), c10::nullopt, g.strides, atenPadding(g), g.dilations,
                                          false, {0, 0}, groups, {true, false, false});
    at::Tensor dx = std::get<0>(grads);
    if (!g.symmetric()) dx = unpad2d(dx, g, shape[1], shape[2]);
    return emit(info.Env(), nhwcView(dx));
  } END
}

// conv2dBackpropFilter(x NHWC, dy NHWC, filterShape, strides, pads, dilations, depthwise)
KERNEL(Conv2dBackpropFilter) {
  BODY("conv2dBackpropFilter") {
    const at::Tensor& x = get(info[0]);
    const at::Tensor& dy = get(info[1]);
    const std::vector<int64_t> filterShape = intsArg(info, 2);
    const ConvGeometry g = geometryArg(info, 3);
    const at::Tensor input = channelsLast(padInput(nchwView(x), g));
    const int64_t fh = filterShape[0], fw = filterShape[1];
    const int64_t out = g.depthwise ? filterShape[2] * filterShape[3] : filterShape[3];
    const int64_t in = g.depthwise ? 1 : filterShape[2];
    const at::Tensor weight = at::empty({out, in, fh, fw}, x.options());
    const int64_t groups = g.depthwise ? x.size(3) : 1;
    auto grads = at::convolution_backward(channelsLast(nchwView(dy)), input, weight, c10::nullopt, g.strides, atenPadding(g), g.dilations, false, {0, 0}, groups,
                                          {false, true, false});
    return emit(info.Env(), filterOf(std::get<1>(grads), g.depthwise, filterShape));
  } END
}

// pool(isMax, x NHWC, filter[2], strides[2], pads[4]): max pools pad with −∞, average pools count
// only the input's own elements (TensorFlow's 'same').

// How many of the input's own elements each window of an (asymmetrically) padded pool covers: [1, 1, OH, OW].
at::Tensor windowCounts(const at::Tensor& xNchw, at::IntArrayRef filter, const ConvGeometry& g) {
  const at::Tensor ones = pad2d(at::ones({1, 1, xNchw.size(2), xNchw.size(3)}, xNchw.options()), g, 0.0);
  return at::avg_pool2d(ones, filter, g.strides, 0, false, true);
}

at::Tensor averagePool(const at::Tensor& xNchw, at::IntArrayRef filter, const ConvGeometry& g) {
  if (g.symmetric()) return at::avg_pool2d(xNchw, filter, g.strides, {g.top, g.left}, false, /*count_include_pad=*/false);
  return at::avg_pool2d(pad2d(xNchw, g, 0.0), filter, g.strides, 0, false, true) / windowCounts(xNchw, filter, g);
}

// A max pool's input: TensorFlow.js compares with >, so a NaN is never a window's maximum (NaN → −∞),
// and the padding is −∞.
at::Tensor maxPoolInput(const at::Tensor& xNchw, const ConvGeometry& g) {
  const double inf = std::numeric_limits<double>::infinity();
  return pad2d(at::nan_to_num(xNchw, -inf, inf, -inf), g, -inf);
}

ConvGeometry poolGeometry(const Napi::CallbackInfo& info, size_t stridesAt) {
  const std::vector<int64_t> pads = intsArg(info, stridesAt + 1);
  return {intsArg(info, stridesAt), {1, 1}, pads[0], pads[1], pads[2], pads[3], false};
}

KERNEL(Pool) {
  BODY("pool") {
    const bool isMax = boolArg(info, 0);
    const at::Tensor x = nchwView(get(info[1]));
    const std::vector<int64_t> filter = intsArg(info, 2);
    const ConvGeometry g = poolGeometry(info, 3);
    const at::Tensor y = isMax ? at::max_pool2d(maxPoolInput(x, g), filter, g.strides) : averagePool(x, filter, g);
    return emit(info.Env(), nhwcView(y));
  } END
}

// maxPoolGrad(dy NHWC, x NHWC, filter, strides, pads): the gradient goes to the first maximum of each window.
KERNEL(MaxPoolGrad) {
  BODY("maxPoolGrad") {
    const at::Tensor dy = nchwView(get(info[0]));
    const at::Tensor x = nchwView(get(info[1]));
    const std::vector<int64_t> filter = intsArg(info, 2);
    const ConvGeometry g = poolGeometry(info, 3);
    const at::Tensor padded = maxPoolInput(x, g).contiguous();
    auto [out, indices] = at::max_pool2d_with_indices(padded, filter, g.strides);
    const at::Tensor dx = at::max_pool2d_with_indices_backward(dy.contiguous(), padded, filter, g.strides, {0, 0}, {1, 1}, false, indices);
    return emit(info.Env(), nhwcView(unpad2d(dx, g, x.size(2), x.size(3))));
  } END
}

// avgPoolGrad(dy NHWC, x NHWC, filter, strides, pads)
KERNEL(AvgPoolGrad) {
  BODY("avgPoolGrad") {
    const at::Tensor dy = nchwView(get(info[0]));
    const at::Tensor x = nchwView(get(info[1]));
    const std::vector<int64_t> filter = intsArg(info, 2);
    const ConvGeometry g = poolGeometry(info, 3);
    at::Tensor dx;
    if (g.symmetric()) {
      dx = at::avg_pool2d_backward(dy.contiguous(), x.contiguous(), filter, g.strides, {g.top, g.left}, false, false, c10::nullopt);
    } else {
      const at::Tensor padded = at::zeros({x.size(0), x.size(1), x.size(2) + g.top + g.bottom, x.size(3) + g.left + g.right}, x.options());
      dx = at::avg_pool2d_backward((dy / windowCounts(x, filter, g)).contiguous(), padded, filter, g.strides, {0, 0}, false, true, c10::nullopt);
      dx = unpad2d(dx, g, x.size(2), x.size(3));
    }
    return emit(info.Env(), nhwcView(dx));
  } END
}

// ---------------------------------------------------------------------------------------------
// Fused layers (lib/runtime/fused-layers.ts): one kernel each way where tfjs composes many.

// gelu(x) = x·Φ(x) (exact, erf form) and geluGrad(dy, x) = dy·(Φ(x) + x·φ(x)).
KERNEL(Gelu) {
  BODY("gelu") { return emit(info.Env(), at::gelu(get(info[0]))); } END
}

KERNEL(GeluGrad) {
  BODY("geluGrad") { return emit(info.Env(), at::gelu_backward(get(info[0]).contiguous(), get(info[1]).contiguous())); } END
}

// layerNorm(x, weight, bias, eps) over the last axis.
KERNEL(LayerNorm) {
  BODY("layerNorm") {
    const at::Tensor& x = get(info[0]);
    const at::Tensor& weight = get(info[1]);
    return emit(info.Env(), at::layer_norm(x, {x.size(-1)}, weight, get(info[2]), numArg(info, 3)));
  } END
}

// layerNormGrad(dy, x, weight, bias, eps) → dx, dweight, dbias (the statistics are recomputed from x).
KERNEL(LayerNormGrad) {
  BODY("layerNormGrad") {
    const at::Tensor dy = get(info[0]).contiguous();
    const at::Tensor x = get(info[1]).contiguous();
    const at::Tensor& weight = get(info[2]);
    const at::Tensor& bias = get(info[3]);
    const std::vector<int64_t> normalized{x.size(-1)};
    auto [y, mean, rstd] = at::native_layer_norm(x, normalized, weight, bias, numArg(info, 4));
    auto [dx, dweight, dbias] = at::native_layer_norm_backward(dy, x, normalized, mean, rstd, weight, bias, {true, true, true});
    return emitAll(info.Env(), {dx, dweight, dbias});
  } END
}

// ---------------------------------------------------------------------------------------------
// Randomness.

// dropoutMultiplier(shape, keepProb, seed, device): 1 / keepProb with probability keepProb, else 0,
// drawn by libtorch's generator (mt19937 on CPU, Philox on CUDA) seeded with `seed`: the same seed
// gives the same mask, so runs are reproducible and resume bit-exactly.
KERNEL(DropoutMultiplier) {
  BODY("dropoutMultiplier") {
    const std::vector<int64_t> shape = intsArg(info, 0);
    const double keep = numArg(info, 1);
    const uint64_t seed = static_cast<uint64_t>(intArg(info, 2));
    const at::Device device = deviceOf(intArg(info, 3));
    at::Generator generator;
    if (device.is_cuda()) {
      generator = at::detail::getCUDAHooks().getDefaultCUDAGenerator(device.index());
    } else {
      generator = at::make_generator<at::CPUGeneratorImpl>(seed);
    }
    if (device.is_cuda()) {
      std::lock_guard<std::mutex> lock(generator.mutex());  // bernoulli_ takes it again: release first
      generator.set_current_seed(seed);
    }
    at::Tensor mask = at::empty(shape, optionsOf(at::kFloat, device));
    mask.bernoulli_(keep, generator);
    return emit(info.Env(), mask.div_(keep));
  } END
}

// ---------------------------------------------------------------------------------------------
// Optimiser.

// adamw(param, grad, expAvg, expAvgSq, lr, weightDecay, beta1, beta2, eps, biasCorrection1, biasCorrection2, l2)
// → param, expAvg, expAvgSq:
// one AdamW (or, with l2, Adam with coupled L2) update in the operation order of lib/train/adamw.ts,
// so that the result is the same float32 arithmetic as its tfjs-op form.
KERNEL(AdamW) {
  BODY("adamw") {
    const at::Tensor& p = get(info[0]);
    const at::Tensor& grad = get(info[1]);
    const at::Tensor& expAvg = get(info[2]);
    const at::Tensor& expAvgSq = get(info[3]);
    const double lr = numArg(info, 4), wd = numArg(info, 5), beta1 = numArg(info, 6), beta2 = numArg(info, 7), eps = numArg(info, 8);
    const double biasCorrection1 = numArg(info, 9), biasCorrection2 = numArg(info, 10);
    const bool l2 = boolArg(info, 11);
    const at::Tensor decayed = l2 ? p : at::mul(p, 1 - lr * wd);
    const at::Tensor g = l2 && wd != 0 ? at::add(grad, at::mul(p, wd)) : grad;
    const at::Tensor m = at::add(at::mul(expAvg, beta1), at::mul(g, 1 - beta1));
    const at::Tensor v = at::add(at::mul(expAvgSq, beta2), at::mul(at::mul(g, g), 1 - beta2));
    const at::Tensor denom = at::add(at::div(at::sqrt(v), std::sqrt(biasCorrection2)), eps);
    const at::Tensor next = at::sub(decayed, at::mul(at::div(m, denom), lr / biasCorrection1));
    return emitAll(info.Env(), {next, m, v});
  } END
}

#define EXPORT(name, fn) exports.Set(name, Napi::Function::New(env, fn, name))

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  EXPORT("init", Init);
  EXPORT("setThreads", SetThreads);
  EXPORT("describe", Describe);
  EXPORT("create", Create);
  EXPORT("read", Read);
  EXPORT("free", Free);
  EXPORT("live", Live);
  EXPORT("synchronize", Synchronize);
  EXPORT("unary", Unary);
  EXPORT("binary", Binary);
  EXPORT("addN", AddN);
  EXPORT("select", Select);
  EXPORT("clip", Clip);
  EXPORT("cast", Cast);
  EXPORT("fill", Fill);
  EXPORT("range", Range);
  EXPORT("linspace", LinSpace);
  EXPORT("oneHot", OneHot);
  EXPORT("reshape", Reshape);
  EXPORT("transpose", Transpose);
  EXPORT("concat", Concat);
  EXPORT("stack", Stack);
  EXPORT("unstack", Unstack);
  EXPORT("split", Split);
  EXPORT("stridedSlice", StridedSlice);
  EXPORT("tile", Tile);
  EXPORT("reverse", Reverse);
  EXPORT("pad", Pad);
  EXPORT("gather", Gather);
  EXPORT("gatherNd", GatherNd);
  EXPORT("scatterNd", ScatterNd);
  EXPORT("unsortedSegmentSum", UnsortedSegmentSum);
  EXPORT("reduce", Reduce);
  EXPORT("argMinMax", ArgMinMax);
  EXPORT("cumulative", Cumulative);
  EXPORT("topk", TopK);
  EXPORT("softmax", Softmax);
  EXPORT("matmul", MatMul);
  EXPORT("conv2d", Conv2d);
  EXPORT("conv2dBackpropInput", Conv2dBackpropInput);
  EXPORT("conv2dBackpropFilter", Conv2dBackpropFilter);
  EXPORT("pool", Pool);
  EXPORT("maxPoolGrad", MaxPoolGrad);
  EXPORT("avgPoolGrad", AvgPoolGrad);
  EXPORT("adamw", AdamW);
  EXPORT("dropoutMultiplier", DropoutMultiplier);
  EXPORT("gelu", Gelu);
  EXPORT("geluGrad", GeluGrad);
  EXPORT("layerNorm", LayerNorm);
  EXPORT("layerNormGrad", LayerNormGrad);
  return exports;
}

}  // namespace

NODE_API_MODULE(condformer_torch, InitModule)
