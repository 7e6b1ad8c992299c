// PLACEHOLDER, replaced by the plot branch: a valid, titled but empty picture.
#include "tools/jwtx/bench/plot.h"

namespace jwtx::capacity {

std::string render_svg(const report& r) {
  (void)r;
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"80\">"
         "<title>jwtx bench (plots: replaced by the plot branch)</title>"
         "<text x=\"10\" y=\"40\">jwtx bench: plots not built in this branch</text></svg>\n";
}

std::string render_html(const report& r) {
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>jwtx bench</title></head>"
         "<body>" +
         render_svg(r) + "</body></html>\n";
}

}  // namespace jwtx::capacity
