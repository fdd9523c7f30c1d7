// The diagram in Graphviz's DOT language: a cluster per pipeline, stages left
// to right in order; initial stages with a double border, the key stage in
// gold, `won` green, `lost` red. Triggers are blue, automatic moves black,
// manual directions dashed grey, new deals dotted.
#include <fmt/format.h>

#include "compiler/graph/graph.h"

namespace voronka::graph {
namespace {

// Escapes text for a DOT double-quoted string (newlines become `\n`).
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string nodeLine(const Node& n) {
  std::string label = escape(n.title.empty() ? n.name : n.title);
  if (!n.title.empty() && n.kind != NodeKind::AnyStage) label += "\\n(" + escape(n.name) + ")";
  if (n.key) label += "\\nkey stage";
  if (!n.timers.empty()) {
    label += "\\n";
    for (const auto& t : n.timers) label += "\\l• " + escape(t);
    label += "\\l";
  }
  std::string attrs = fmt::format("label=\"{}\"", label);
  switch (n.kind) {
    case NodeKind::Won: attrs += ", fillcolor=\"#d4edda\", color=\"#2e7d32\""; break;
    case NodeKind::Lost: attrs += ", fillcolor=\"#f8d7da\", color=\"#c62828\""; break;
    case NodeKind::External: attrs += ", style=\"rounded,dashed\""; break;
    case NodeKind::AnyStage: attrs += ", shape=note, fillcolor=\"#f5f5f5\", color=\"#9e9e9e\""; break;
    case NodeKind::Working: break;
  }
  if (n.key) attrs += ", fillcolor=\"#ffe082\"";
  if (n.initial) attrs += ", peripheries=2";
  return fmt::format("    \"{}\" [{}];\n", escape(n.id), attrs);
}

}  // namespace

std::string renderDot(const FunnelGraph& graph) {
  std::string out =
      "digraph funnel {\n"
      "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.4];\n"
      "  node [shape=box, style=\"rounded,filled\", fillcolor=\"white\", fontname=\"Helvetica\", fontsize=11];\n"
      "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (const Cluster& c : graph.clusters) {
    std::string title = c.title.empty() ? c.name : fmt::format("{} ({})", c.title, c.name);
    out += fmt::format("  subgraph \"cluster_{}\" {{\n    label=\"{}\\n{}\";\n    style=\"rounded\";\n", escape(c.name),
                       escape(title), escape(c.policies));
    for (const Node& n : c.nodes) out += nodeLine(n);
    out += "  }\n";
  }
  for (const Node& n : graph.externals) out += nodeLine(n).substr(2);
  for (const Edge& e : graph.edges) {
    std::string style;
    switch (e.kind) {
      case EdgeKind::Trigger: style = "color=\"#1565c0\", fontcolor=\"#1565c0\""; break;
      case EdgeKind::Automatic: style = "color=\"#212121\", penwidth=1.5"; break;
      case EdgeKind::Manual: style = "style=dashed, color=\"#9e9e9e\", fontcolor=\"#757575\""; break;
      case EdgeKind::CreateDeal: style = "style=dotted, color=\"#6a1b9a\", fontcolor=\"#6a1b9a\""; break;
    }
    out +=
        fmt::format("  \"{}\" -> \"{}\" [label=\"{}\", {}];\n", escape(e.from), escape(e.to), escape(e.label), style);
  }
  out += "}\n";
  return out;
}

}  // namespace voronka::graph
