// Google Benchmark start-up shared by the bench/*_bench.cc programs that pick their own default
// --benchmark_min_time.
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

namespace jwtx::bench {

// benchmark::Initialize with --benchmark_min_time=|default_min_time| added unless the caller gave
// one. False (after Google Benchmark printed why) on an unrecognized argument.
inline bool initialize_benchmark(int argc, char** argv, double default_min_time) {
  std::vector<char*> args(argv, argv + argc);
  bool has_min_time = false;
  for (int i = 1; i < argc; ++i)
    has_min_time |= std::string_view(argv[i]).starts_with("--benchmark_min_time");
  std::string min_time_flag = "--benchmark_min_time=" + std::to_string(default_min_time);
  if (!has_min_time) args.push_back(min_time_flag.data());
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  return !benchmark::ReportUnrecognizedArguments(n, args.data());
}

}  // namespace jwtx::bench
