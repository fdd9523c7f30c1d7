// Per deal, the happenings that differ: a longest common subsequence of the
// two lists, so one added letter shows as one '+' line, not as a shift of
// everything after it.
#include <fmt/format.h>

#include <algorithm>

#include "runtime/engine/values.h"
#include "tools/replay/replay.h"

namespace voronka::replay {
namespace {

std::vector<std::pair<char, Happening>> listDiff(const std::vector<Happening>& a, const std::vector<Happening>& b) {
  size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  std::vector<std::pair<char, Happening>> out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.emplace_back('-', a[i++]);
    } else {
      out.emplace_back('+', b[j++]);
    }
  }
  return out;
}

}  // namespace

std::vector<DealDifference> compare(const Happenings& before, const Happenings& after) {
  std::set<std::string> deals;
  for (const auto& [deal, _] : before) deals.insert(deal);
  for (const auto& [deal, _] : after) deals.insert(deal);
  static const std::vector<Happening> none;
  std::vector<DealDifference> out;
  for (const std::string& deal : deals) {
    auto a = before.find(deal);
    auto b = after.find(deal);
    auto lines = listDiff(a != before.end() ? a->second : none, b != after.end() ? b->second : none);
    // In time order, what happened before what would happen at one instant.
    std::stable_sort(lines.begin(), lines.end(),
                     [](const auto& x, const auto& y) { return x.second.at < y.second.at; });
    if (!lines.empty()) out.push_back({deal, std::move(lines)});
  }
  return out;
}

std::string renderText(const std::vector<DealDifference>& diffs, size_t dealsCompared) {
  std::string out;
  for (const DealDifference& d : diffs) {
    out += fmt::format("deal {}\n", d.deal);
    for (const auto& [sign, h] : d.lines) out += fmt::format("  {} {}  {}\n", sign, engine::isoUtc(h.at), h.text);
  }
  if (diffs.empty())
    out += fmt::format("no differences in {} deal{}\n", dealsCompared, dealsCompared == 1 ? "" : "s");
  else
    out += fmt::format("{} of {} deal{} would differ (- happened, + with the new version)\n", diffs.size(),
                       dealsCompared, dealsCompared == 1 ? "" : "s");
  return out;
}

nlohmann::json renderJson(const std::vector<DealDifference>& diffs, size_t dealsCompared) {
  nlohmann::json deals = nlohmann::json::array();
  for (const DealDifference& d : diffs) {
    nlohmann::json lines = nlohmann::json::array();
    for (const auto& [sign, h] : d.lines) {
      lines.push_back({{"change", sign == '-' ? "removed" : "added"},
                       {"at", engine::isoUtc(h.at)},
                       {"what", h.what},
                       {"text", h.text}});
    }
    deals.push_back({{"deal", d.deal}, {"differences", std::move(lines)}});
  }
  return {{"version", 1}, {"deals_compared", dealsCompared}, {"deals", std::move(deals)}};
}

}  // namespace voronka::replay
