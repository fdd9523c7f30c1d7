#include "compiler/format/unified_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace voronka::format {
namespace {

// Lines with their '\n' (the last may have none), so that a missing final
// line break counts as a difference.
std::vector<std::string_view> splitLines(std::string_view s) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    size_t end = nl == std::string_view::npos ? s.size() : nl + 1;
    lines.push_back(s.substr(start, end - start));
    start = end;
  }
  return lines;
}

enum class Op : char { Keep = ' ', Remove = '-', Add = '+' };
struct Edit {
  Op op;
  size_t a;  // line in `before` (Keep, Remove)
  size_t b;  // line in `after` (Keep, Add)
};

// Myers' O((N+M)D) shortest edit script. Above `kMaxD` differences it gives
// up on minimality and replaces the differing middle wholesale.
std::vector<Edit> diffLines(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  constexpr int kMaxD = 3000;
  const int n = static_cast<int>(a.size());
  const int m = static_cast<int>(b.size());
  const int max = n + m;
  std::vector<int> v(2 * static_cast<size_t>(max) + 2, 0);
  std::vector<std::vector<int>> trace;
  int found = -1;
  for (int d = 0; d <= max && d <= kMaxD; ++d) {
    trace.push_back(v);
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[k - 1 + max] < v[k + 1 + max])) ? v[k + 1 + max] : v[k - 1 + max] + 1;
      int y = x - k;
      while (x < n && y < m && a[x] == b[y]) {
        ++x;
        ++y;
      }
      v[k + max] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  std::vector<Edit> edits;
  if (found < 0) {
    size_t pre = 0;
    while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
    for (size_t i = 0; i < pre; ++i) edits.push_back({Op::Keep, i, i});
    for (size_t i = pre; i < a.size(); ++i) edits.push_back({Op::Remove, i, pre});
    for (size_t j = pre; j < b.size(); ++j) edits.push_back({Op::Add, a.size(), j});
    return edits;
  }
  int x = n, y = m;
  for (int d = found; d > 0; --d) {
    const std::vector<int>& pv = trace[static_cast<size_t>(d)];
    int k = x - y;
    int prevK = (k == -d || (k != d && pv[k - 1 + max] < pv[k + 1 + max])) ? k + 1 : k - 1;
    int prevX = pv[prevK + max];
    int prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      --x;
      --y;
      edits.push_back({Op::Keep, static_cast<size_t>(x), static_cast<size_t>(y)});
    }
    if (x == prevX) {
      --y;
      edits.push_back({Op::Add, static_cast<size_t>(x), static_cast<size_t>(y)});
    } else {
      --x;
      edits.push_back({Op::Remove, static_cast<size_t>(x), static_cast<size_t>(y)});
    }
  }
  while (x > 0 && y > 0) {
    --x;
    --y;
    edits.push_back({Op::Keep, static_cast<size_t>(x), static_cast<size_t>(y)});
  }
  std::reverse(edits.begin(), edits.end());
  return edits;
}

std::string range(size_t start, size_t count) {
  // Line numbers are 1-based; an empty range names the line before it.
  if (count == 0) return fmt::format("{},0", start);
  if (count == 1) return fmt::format("{}", start + 1);
  return fmt::format("{},{}", start + 1, count);
}

}  // namespace

std::string unifiedDiff(std::string_view before, std::string_view after, std::string_view path, int context) {
  if (before == after) return {};
  std::vector<std::string_view> a = splitLines(before);
  std::vector<std::string_view> b = splitLines(after);
  std::vector<Edit> edits = diffLines(a, b);
  std::string out = fmt::format("--- {}\t(original)\n+++ {}\t(formatted)\n", path, path);
  const size_t total = edits.size();
  size_t i = 0;
  while (i < total) {
    while (i < total && edits[i].op == Op::Keep) ++i;
    if (i == total) break;
    size_t start = i >= static_cast<size_t>(context) ? i - context : 0;
    // Extend the hunk while changes come within 2 * context lines of each other.
    size_t end = i;
    size_t lastChange = i;
    while (end < total) {
      if (edits[end].op != Op::Keep) lastChange = end;
      if (end - lastChange > static_cast<size_t>(2 * context)) break;
      ++end;
    }
    end = std::min(total, lastChange + context + 1);
    size_t aStart = edits[start].a, bStart = edits[start].b, aCount = 0, bCount = 0;
    std::string body;
    for (size_t k = start; k < end; ++k) {
      const Edit& e = edits[k];
      std::string_view line = e.op == Op::Add ? b[e.b] : a[e.a];
      if (e.op != Op::Add) ++aCount;
      if (e.op != Op::Remove) ++bCount;
      body += static_cast<char>(e.op);
      if (!line.empty() && line.back() == '\n') {
        body += line;
      } else {
        body += line;
        body += "\n\\ No newline at end of file\n";
      }
    }
    out += fmt::format("@@ -{} +{} @@\n", range(aStart, aCount), range(bStart, bCount));
    out += body;
    i = end;
  }
  return out;
}

}  // namespace voronka::format
