// base64url kernels: every vector kernel must agree with the scalar reference (result, size,
// error_offset, output bytes) on valid input of every length, on invalid bytes at every position
// class, on non-canonical tails and on len % 4 == 1; plus dispatch (API and JWTX_BASE64_KERNEL).
//
// Inputs and outputs live at the very end of a mapping followed by an inaccessible guard page,
// so a kernel that reads past in.size() or writes past decoded_size() crashes the test.
#include "engine/jws/base64url/base64url.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace b64 = jwtx::base64url;
using b64::kernel;

// |capacity| usable bytes whose end touches a PROT_NONE page.
class guarded_arena {
 public:
  explicit guarded_arena(std::size_t capacity) {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    usable_ = (capacity + page - 1) / page * page;
    size_ = usable_ + page;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    base_ = static_cast<std::uint8_t*>(p);
    if (mprotect(base_ + usable_, page, PROT_NONE) != 0) std::abort();
  }
  ~guarded_arena() { munmap(base_, size_); }
  guarded_arena(const guarded_arena&) = delete;
  guarded_arena& operator=(const guarded_arena&) = delete;

  // The last |n| bytes before the guard page.
  std::uint8_t* tail(std::size_t n) { return base_ + usable_ - n; }

 private:
  std::uint8_t* base_ = nullptr;
  std::size_t size_ = 0;
  std::size_t usable_ = 0;
};

constexpr std::size_t kArenaSize = 1 << 17;

struct outcome {
  b64::decode_result r;
  std::vector<std::uint8_t> bytes;  // decoded bytes when r.ok
};

// Decodes |text| with |k| from a guarded input into a guarded output of exactly
// decoded_size(text.size()) bytes.
outcome run_decode(kernel k, std::string_view text) {
  static guarded_arena in_arena(kArenaSize), out_arena(kArenaSize);
  std::uint8_t* in = in_arena.tail(text.size());
  if (!text.empty()) std::memcpy(in, text.data(), text.size());
  const std::size_t cap = b64::decoded_size(text.size());
  std::uint8_t* out = out_arena.tail(cap);
  outcome o;
  o.r = b64::decode_with(k, std::string_view(reinterpret_cast<const char*>(in), text.size()), out);
  if (o.r.ok) o.bytes.assign(out, out + o.r.size);
  return o;
}

std::string run_encode(kernel k, const std::vector<std::uint8_t>& data) {
  static guarded_arena in_arena(kArenaSize), out_arena(kArenaSize);
  std::uint8_t* in = in_arena.tail(data.size());
  if (!data.empty()) std::memcpy(in, data.data(), data.size());
  const std::size_t cap = b64::encoded_size(data.size());
  char* out = reinterpret_cast<char*>(out_arena.tail(cap));
  const std::size_t n = b64::encode_with(k, in, data.size(), out);
  return std::string(out, n);
}

std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

// A canonical encoding of |len| characters (len % 4 != 1) of random bytes.
std::string random_encoding(std::mt19937_64& rng, std::size_t len) {
  std::string s = run_encode(kernel::scalar, random_bytes(rng, b64::decoded_size(len)));
  EXPECT_EQ(s.size(), len);
  return s;
}

// Returns an empty string if |k| agrees with scalar on |text|, else a description.
std::string disagreement(kernel k, std::string_view text) {
  const outcome want = run_decode(kernel::scalar, text);
  const outcome got = run_decode(k, text);
  if (want.r.ok == got.r.ok && want.r.size == got.r.size &&
      want.r.error_offset == got.r.error_offset && want.bytes == got.bytes) {
    return {};
  }
  std::string msg = std::string(b64::kernel_name(k)) + " vs scalar on length " +
                    std::to_string(text.size()) + ": ok " + std::to_string(got.r.ok) + "/" +
                    std::to_string(want.r.ok) + ", size " + std::to_string(got.r.size) + "/" +
                    std::to_string(want.r.size) + ", error_offset " +
                    std::to_string(got.r.error_offset) + "/" + std::to_string(want.r.error_offset);
  if (got.bytes != want.bytes) msg += ", output bytes differ";
  if (text.size() <= 200) msg += ", input \"" + std::string(text) + "\"";
  return msg;
}

// Positions worth corrupting in an input of |len|: all of them for short inputs, else the
// first/last bytes, every 16/32/64-byte block boundary neighbourhood and some inner positions.
std::vector<std::size_t> positions(std::size_t len, std::mt19937_64& rng) {
  std::vector<std::size_t> p;
  if (len <= 300) {
    for (std::size_t i = 0; i < len; ++i) p.push_back(i);
    return p;
  }
  for (std::size_t i = 0; i < 8; ++i) p.push_back(i);
  for (std::size_t b = 16; b < len; b += 16) {
    for (std::size_t d : {b - 2, b - 1, b, b + 1}) {
      if (d < len) p.push_back(d);
    }
  }
  for (std::size_t i = 0; i < 8 && i < len; ++i) p.push_back(len - 1 - i);
  for (int i = 0; i < 32; ++i) p.push_back(rng() % len);
  return p;
}

constexpr char kBadBytes[] = {'=', '+', '/', ' ', '\n', '\0', '\x80', '\xff', '.'};

class KernelTest : public ::testing::TestWithParam<kernel> {
 protected:
  void SetUp() override {
    if (!b64::kernel_supported(GetParam())) {
      GTEST_SKIP() << "kernel " << b64::kernel_name(GetParam()) << " not supported by this CPU";
    }
  }
};

TEST_P(KernelTest, ValidInputOfEveryLength) {
  std::mt19937_64 rng(1);
  for (std::size_t len = 0; len <= 4096; ++len) {
    std::string text;
    if (len % 4 == 1) {
      // All characters valid, but one too many: rejected at the lone last character.
      text = random_encoding(rng, len - 1) + "Q";
      const outcome o = run_decode(GetParam(), text);
      ASSERT_FALSE(o.r.ok) << len;
      ASSERT_EQ(o.r.error_offset, len - 1) << len;
    } else {
      text = random_encoding(rng, len);
      const outcome o = run_decode(GetParam(), text);
      ASSERT_TRUE(o.r.ok) << len;
      ASSERT_EQ(o.r.size, b64::decoded_size(len)) << len;
    }
    const std::string d = disagreement(GetParam(), text);
    ASSERT_TRUE(d.empty()) << d;
  }
}

TEST_P(KernelTest, EveryByteValueAtEveryPositionOfABlock) {
  // 256 byte values x every position of a 128-character input (two AVX-512 blocks, eight SSE
  // blocks): exercises the validation and translation tables on every byte.
  std::mt19937_64 rng(2);
  const std::string base = random_encoding(rng, 128);
  for (int b = 0; b < 256; ++b) {
    for (std::size_t pos = 0; pos < base.size(); ++pos) {
      std::string text = base;
      text[pos] = static_cast<char>(b);
      const std::string d = disagreement(GetParam(), text);
      ASSERT_TRUE(d.empty()) << "byte " << b << " at " << pos << ": " << d;
    }
  }
}

TEST_P(KernelTest, BadByteAtEveryPositionClass) {
  std::mt19937_64 rng(3);
  std::vector<std::size_t> lengths;
  for (std::size_t len = 1; len <= 300; ++len) lengths.push_back(len);
  for (std::size_t len : {511u, 512u, 513u, 1023u, 1024u, 1026u, 1027u, 4093u, 4094u, 4095u, 4096u})
    lengths.push_back(len);
  for (std::size_t len : lengths) {
    // len % 4 == 1 inputs too: the bad byte must win over the length error when it comes first.
    const std::string base =
        len % 4 == 1 ? random_encoding(rng, len - 1) + "A" : random_encoding(rng, len);
    for (std::size_t pos : positions(len, rng)) {
      for (char bad : kBadBytes) {
        std::string text = base;
        text[pos] = bad;
        const outcome o = run_decode(GetParam(), text);
        ASSERT_FALSE(o.r.ok);
        ASSERT_EQ(o.r.error_offset, pos) << "length " << len << " byte " << int(bad);
        const std::string d = disagreement(GetParam(), text);
        ASSERT_TRUE(d.empty()) << "pos " << pos << " byte " << int(bad) << ": " << d;
      }
    }
  }
}

TEST_P(KernelTest, FirstOfTwoBadBytesWins) {
  std::mt19937_64 rng(4);
  for (std::size_t len : {40u, 64u, 100u, 130u, 1024u}) {
    const std::string base = random_encoding(rng, len);
    for (int trial = 0; trial < 200; ++trial) {
      std::size_t a = rng() % len, b = rng() % len;
      std::string text = base;
      text[a] = kBadBytes[rng() % sizeof kBadBytes];
      text[b] = kBadBytes[rng() % sizeof kBadBytes];
      const outcome o = run_decode(GetParam(), text);
      ASSERT_FALSE(o.r.ok);
      ASSERT_EQ(o.r.error_offset, std::min(a, b));
      const std::string d = disagreement(GetParam(), text);
      ASSERT_TRUE(d.empty()) << d;
    }
  }
}

TEST_P(KernelTest, NonCanonicalTails) {
  std::mt19937_64 rng(5);
  for (std::size_t len = 2; len <= 1200; ++len) {
    if (len % 4 != 2 && len % 4 != 3) continue;
    const std::string base = random_encoding(rng, len);
    // Try a few last characters with some of the unused low bits set.
    for (char last : {'B', 'R', 'f', '_', '-', 'D', 'Z', '1', 'x'}) {
      std::string text = base;
      text.back() = last;
      const std::string d = disagreement(GetParam(), text);
      ASSERT_TRUE(d.empty()) << d;
    }
    std::string text = base;
    text.back() = len % 4 == 2 ? 'B' : 'F';  // 'B' = 1 (low 4 bits set), 'F' = 5 (low 2 bits)
    const outcome o = run_decode(GetParam(), text);
    ASSERT_FALSE(o.r.ok) << len;
    ASSERT_EQ(o.r.error_offset, len - 1) << len;
  }
}

TEST_P(KernelTest, EncodeMatchesScalarAndRoundTrips) {
  std::mt19937_64 rng(6);
  for (std::size_t n = 0; n <= 3100; ++n) {
    const std::vector<std::uint8_t> data = random_bytes(rng, n);
    const std::string want = run_encode(kernel::scalar, data);
    const std::string got = run_encode(GetParam(), data);
    ASSERT_EQ(got, want) << "length " << n;
    const outcome o = run_decode(GetParam(), got);
    ASSERT_TRUE(o.r.ok) << n;
    ASSERT_EQ(o.bytes, data) << n;
  }
}

TEST_P(KernelTest, WycheproofJwsSegments) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const std::string path =
      std::string(JWTX_VECTORS_DIR) + "/wycheproof/json_web_signature_test.json";
  ASSERT_EQ(parser.load(path).get(root), simdjson::SUCCESS) << path;
  std::size_t segments = 0;
  for (simdjson::dom::element group : root["testGroups"].get_array()) {
    for (simdjson::dom::element test : group["tests"].get_array()) {
      std::string_view jws;
      if (test["jws"].get(jws) != simdjson::SUCCESS) continue;  // JSON serialization cases
      std::size_t start = 0;
      while (true) {
        const std::size_t dot = jws.find('.', start);
        const std::string_view seg = jws.substr(start, dot - start);
        const std::string d = disagreement(GetParam(), seg);
        ASSERT_TRUE(d.empty()) << "tcId " << int64_t(test["tcId"]) << ": " << d;
        ++segments;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
      }
    }
  }
  EXPECT_GT(segments, 300u);
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelTest,
                         ::testing::Values(kernel::scalar, kernel::sse41, kernel::avx2,
                                           kernel::avx512),
                         [](const ::testing::TestParamInfo<kernel>& param) {
                           return std::string(b64::kernel_name(param.param));
                         });

// Restores the process-wide selection however a dispatch test ends.
class DispatchTest : public ::testing::Test {
 protected:
  void TearDown() override {
    unsetenv("JWTX_BASE64_KERNEL");
    b64::reselect_kernel();
  }
};

TEST_F(DispatchTest, ForceKernelChangesActiveKernel) {
  ASSERT_TRUE(b64::kernel_supported(kernel::scalar));
  for (kernel k : {kernel::scalar, kernel::sse41, kernel::avx2, kernel::avx512}) {
    if (!b64::kernel_supported(k)) {
      EXPECT_FALSE(b64::force_kernel(k)) << b64::kernel_name(k);
      continue;
    }
    ASSERT_TRUE(b64::force_kernel(k)) << b64::kernel_name(k);
    EXPECT_EQ(b64::active_kernel(), k);
    std::string out;
    EXPECT_TRUE(b64::decode("aGVsbG8", &out));
    EXPECT_EQ(out, "hello");
    EXPECT_EQ(b64::encode(std::string_view("hello world, hello world, hello world")),
              "aGVsbG8gd29ybGQsIGhlbGxvIHdvcmxkLCBoZWxsbyB3b3JsZA");
  }
}

TEST_F(DispatchTest, EnvironmentVariableSelectsKernel) {
  for (kernel k : {kernel::scalar, kernel::sse41, kernel::avx2, kernel::avx512}) {
    if (!b64::kernel_supported(k)) continue;
    ASSERT_EQ(setenv("JWTX_BASE64_KERNEL", std::string(b64::kernel_name(k)).c_str(), 1), 0);
    EXPECT_EQ(b64::reselect_kernel(), k);
    EXPECT_EQ(b64::active_kernel(), k);
  }
  // Unknown names fall back to the CPUID pick, which is never worse than scalar.
  unsetenv("JWTX_BASE64_KERNEL");
  const kernel best = b64::reselect_kernel();
  ASSERT_EQ(setenv("JWTX_BASE64_KERNEL", "neon", 1), 0);
  EXPECT_EQ(b64::reselect_kernel(), best);
  EXPECT_TRUE(b64::kernel_supported(best));
}

TEST_F(DispatchTest, KernelNamesAreStable) {
  EXPECT_EQ(b64::kernel_name(kernel::scalar), "scalar");
  EXPECT_EQ(b64::kernel_name(kernel::sse41), "sse41");
  EXPECT_EQ(b64::kernel_name(kernel::avx2), "avx2");
  EXPECT_EQ(b64::kernel_name(kernel::avx512), "avx512");
}

}  // namespace
