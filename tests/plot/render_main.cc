// jwtx_plot_render OUT_DIR: writes <name>.svg and <name>.html for every sample report
// (sample_reports.h) into OUT_DIR, for the well-formedness and headless-chromium tests
// (tests/plot/*.py). Exit 0 on success, 2 on bad usage, 1 when a file cannot be written or a
// render came back empty.
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/plot/sample_reports.h"
#include "tools/jwtx/bench/plot.h"

namespace {

bool write_file(const std::string& path, const std::string& content) {
  if (content.empty()) {
    std::fprintf(stderr, "jwtx_plot_render: empty render for %s\n", path.c_str());
    return false;
  }
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.close();
  if (!out) std::fprintf(stderr, "jwtx_plot_render: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: jwtx_plot_render OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  for (const auto& [name, report] : jwtx::capacity::testing::all_sample_reports()) {
    ok &= write_file(dir + "/" + name + ".svg", jwtx::capacity::render_svg(report));
    ok &= write_file(dir + "/" + name + ".html", jwtx::capacity::render_html(report));
  }
  return ok ? 0 : 1;
}
