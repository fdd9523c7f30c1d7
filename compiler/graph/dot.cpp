// The diagram in Graphviz's DOT language: a cluster per pipeline, its stages
// top to bottom in order (so ten stages make a column to read down, not a
// strip to scroll), `won` and `lost` side by side at the bottom. Boxes have
// the title in bold and their robots left-aligned below; the initial stage
// has a double border, the key stage is gold, `won` green, `lost` red.
// Triggers are blue, automatic moves black, manual directions dashed grey
// (arrows at both ends when managers may move deals back too), new deals
// dotted.
#include <fmt/format.h>

#include "compiler/graph/graph.h"

namespace voronka::graph {
namespace {

// Escapes text for a DOT double-quoted string (line breaks become `\n`).
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Escapes text for a DOT HTML-like label.
std::string html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string nodeLabel(const Node& n) {
  std::string label = "<b>" + html(n.title) + "</b>";
  for (const auto& note : n.notes) label += "<br/><font point-size=\"9\">" + html(note) + "</font>";
  if (!n.sections.empty()) label += "<br/>";
  for (const auto& section : n.sections) {
    label += "<i>" + html(section.heading) + "</i><br align=\"left\"/>";
    for (const auto& line : section.lines) label += "• " + html(line) + "<br align=\"left\"/>";
  }
  return "<" + label + ">";
}

std::string nodeLine(const Node& n, std::string_view indent, std::string_view group = "") {
  std::string attrs = "label=" + nodeLabel(n);
  switch (n.kind) {
    case NodeKind::Won: attrs += ", fillcolor=\"#d4edda\", color=\"#2e7d32\""; break;
    case NodeKind::Lost: attrs += ", fillcolor=\"#f8d7da\", color=\"#c62828\""; break;
    case NodeKind::External: attrs += ", style=\"rounded,dashed\""; break;
    case NodeKind::AnyStage: attrs += ", shape=note, fillcolor=\"#f5f5f5\", color=\"#9e9e9e\""; break;
    case NodeKind::Working: break;
  }
  // Stages of one pipeline share a group: dot keeps the edges between them straight.
  if (!group.empty()) attrs += ", group=" + quote(group);
  if (n.key) attrs += ", fillcolor=\"#ffe082\"";
  if (n.initial) attrs += ", peripheries=2";
  return fmt::format("{}{} [{}];\n", indent, quote(n.id), attrs);
}

std::string edgeStyle(const Edge& e) {
  switch (e.kind) {
    case EdgeKind::Trigger: return "color=\"#1565c0\", fontcolor=\"#1565c0\"";
    case EdgeKind::Automatic: return "color=\"#212121\", penwidth=1.5";
    case EdgeKind::Manual:
      return std::string("style=dashed, color=\"#9e9e9e\", fontcolor=\"#757575\"") + (e.bothWays ? ", dir=both" : "");
    case EdgeKind::CreateDeal: return "style=dotted, color=\"#6a1b9a\", fontcolor=\"#6a1b9a\"";
    case EdgeKind::Order: return "style=invis";
  }
  return "";
}

}  // namespace

std::string renderDot(const FunnelGraph& graph) {
  std::string out =
      "digraph funnel {\n"
      "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, nodesep=0.4, ranksep=0.45];\n"
      "  node [shape=box, style=\"rounded,filled\", fillcolor=\"white\", fontname=\"Helvetica\", fontsize=11];\n"
      "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (const Cluster& c : graph.clusters) {
    out += fmt::format("  subgraph {} {{\n", quote("cluster_" + c.name));
    out +=
        fmt::format("    label=<<b>{}</b><br/><font point-size=\"10\">{}</font>>;\n", html(c.title), html(c.policies));
    out += "    style=\"rounded\";\n";
    for (const Node& n : c.nodes) out += nodeLine(n, "    ", n.kind == NodeKind::Working ? c.name : "");
    if (c.finals.size() > 1) {
      out += "    { rank=same;";
      for (const auto& f : c.finals) out += " " + quote(f) + ";";
      out += " }\n";
    }
    out += "  }\n";
  }
  for (const Node& n : graph.externals) out += nodeLine(n, "  ");
  for (const Edge& e : graph.edges) {
    std::string label = e.label.empty() ? "" : "label=" + quote(e.label) + ", ";
    out += fmt::format("  {} -> {} [{}{}];\n", quote(e.from), quote(e.to), label, edgeStyle(e));
  }
  out += "}\n";
  return out;
}

}  // namespace voronka::graph
