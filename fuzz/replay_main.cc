// Replay driver: runs a fuzz target's LLVMFuzzerTestOneInput on saved inputs, without libFuzzer,
// so every target also builds with GCC in the normal build and its corpus and regressions run
// under ctest.
//
// Usage: replay_<target> PATH...
// Each PATH is a file or a directory (searched recursively, in sorted order; files named README*
// are skipped). Each input is passed in a heap buffer of exactly its size, so ASan builds catch a
// read past the end as libFuzzer would. Prints how many inputs ran. Exits 1 if a PATH does not
// exist or cannot be read, or if no input ran; a target invariant (__builtin_trap) or sanitizer
// report ends the process abnormally after naming the input that caused it.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional hooks: libFuzzer's initializer if the target defines one, and the sanitizer runtime's
// death callback if the binary has a sanitizer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)());

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash message; written before each input, read by the handlers.
char g_current[4096];

void name_current_input() {
  static const char kPrefix[] = "replay: crashed on input ";
  if (write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1) < 0) return;
  if (write(STDERR_FILENO, g_current, std::strlen(g_current)) < 0) return;
  if (write(STDERR_FILENO, "\n", 1) < 0) return;
}

// __builtin_trap raises SIGILL (x86 ud2) or SIGTRAP; UBSan without recovery and assert abort.
// SIGSEGV and friends are left to the sanitizer runtime, which names the input through the
// death callback instead.
void on_fatal_signal(int sig) {
  name_current_input();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

bool is_skipped(const fs::path& p) { return p.filename().string().rfind("README", 0) == 0; }

// Appends the inputs under `arg` to `out`. Returns false if `arg` does not exist or a directory
// cannot be walked.
bool collect(const char* arg, std::vector<fs::path>* out) {
  std::error_code ec;
  const fs::path root(arg);
  if (fs::is_regular_file(root, ec)) {
    out->push_back(root);
    return true;
  }
  if (!fs::is_directory(root, ec)) {
    std::fprintf(stderr, "replay: %s: no such file or directory\n", arg);
    return false;
  }
  std::vector<fs::path> found;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && !is_skipped(it->path())) found.push_back(it->path());
  }
  if (ec) {
    std::fprintf(stderr, "replay: %s: %s\n", arg, ec.message().c_str());
    return false;
  }
  std::sort(found.begin(), found.end());
  out->insert(out->end(), found.begin(), found.end());
  return true;
}

bool read_file(const fs::path& path, std::vector<char>* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(name_current_input);
  std::signal(SIGILL, on_fatal_signal);
  std::signal(SIGTRAP, on_fatal_signal);
  std::signal(SIGABRT, on_fatal_signal);

  bool ok = true;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) ok = collect(argv[i], &inputs) && ok;

  std::size_t ran = 0;
  std::vector<char> bytes;
  for (const fs::path& path : inputs) {
    if (!read_file(path, &bytes)) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      ok = false;
      continue;
    }
    std::snprintf(g_current, sizeof(g_current), "%s", path.c_str());
    // Exactly bytes.size() bytes on the heap (never null, like libFuzzer's buffer).
    const std::size_t size = bytes.size();
    auto data = std::make_unique<std::uint8_t[]>(size);
    if (size != 0) std::memcpy(data.get(), bytes.data(), size);
    LLVMFuzzerTestOneInput(data.get(), size);
    ++ran;
  }
  std::printf("replay: %zu inputs ran\n", ran);
  if (ran == 0) std::fprintf(stderr, "replay: no inputs\n");
  return ok && ran != 0 ? 0 : 1;
}
