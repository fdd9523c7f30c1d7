// The diagram as a Mermaid flowchart, for Markdown on GitHub and GitLab: the
// same texts as the DOT rendering, top to bottom, a subgraph per pipeline.
// Triggers `-->`, automatic moves `==>`, manual directions `-.->` (`<-.->`
// both ways), new deals `-.->` labelled as such, the stages' order `~~~`
// (invisible). Node ids are ASCII (`n3`) since Mermaid ids cannot hold
// Cyrillic names.
#include <fmt/format.h>

#include <map>

#include "compiler/graph/graph.h"

namespace voronka::graph {
namespace {

// Mermaid's entity codes keep quotes and brackets from ending a label.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "#quot;"; break;
      case '<': out += "#lt;"; break;
      case '>': out += "#gt;"; break;
      case '|': out += "#124;"; break;
      case '\n': out += "<br/>"; break;
      default: out += c;
    }
  }
  return out;
}

class Writer {
 public:
  std::string id(const std::string& node) {
    auto [it, added] = ids_.emplace(node, "");
    if (added) it->second = fmt::format("n{}", ids_.size() - 1);
    return it->second;
  }

  std::string node(const Node& n, std::string_view indent) {
    std::string label = "<b>" + escape(n.title) + "</b>";
    for (const auto& note : n.notes) label += "<br/><small>" + escape(note) + "</small>";
    for (const auto& section : n.sections) {
      label += "<br/><i>" + escape(section.heading) + "</i>";
      for (const auto& line : section.lines) label += "<br/>• " + escape(line);
    }
    std::string shape = n.kind == NodeKind::AnyStage ? "[/\"{}\"/]" : "([\"{}\"])";
    if (n.kind == NodeKind::Working || n.kind == NodeKind::External) shape = "[\"{}\"]";
    std::string line = fmt::format("{}{}{}\n", indent, id(n.id), fmt::format(fmt::runtime(shape), label));
    const char* cls = nullptr;
    switch (n.kind) {
      case NodeKind::Won: cls = "won"; break;
      case NodeKind::Lost: cls = "lost"; break;
      case NodeKind::External: cls = "external"; break;
      case NodeKind::AnyStage: cls = "any"; break;
      case NodeKind::Working: cls = n.key ? "key" : nullptr; break;
    }
    if (cls) classes_ += fmt::format("  class {} {}\n", id(n.id), cls);
    if (n.initial) classes_ += fmt::format("  class {} initial\n", id(n.id));
    return line;
  }

  const std::string& classes() const { return classes_; }

 private:
  std::map<std::string, std::string> ids_;
  std::string classes_;
};

std::string arrow(const Edge& e) {
  switch (e.kind) {
    case EdgeKind::Trigger: return "-->";
    case EdgeKind::Automatic: return "==>";
    case EdgeKind::Manual: return e.bothWays ? "<-.->" : "-.->";
    case EdgeKind::CreateDeal: return "-.->";
    case EdgeKind::Order: return "~~~";
  }
  return "-->";
}

}  // namespace

std::string renderMermaid(const FunnelGraph& graph) {
  Writer w;
  std::string out = "flowchart TB\n";
  for (const Cluster& c : graph.clusters) {
    out += fmt::format("  subgraph {}[\"<b>{}</b><br/><small>{}</small>\"]\n", w.id("cluster " + c.name),
                       escape(c.title), escape(c.policies));
    out += "    direction TB\n";
    for (const Node& n : c.nodes) out += w.node(n, "    ");
    out += "  end\n";
  }
  for (const Node& n : graph.externals) out += w.node(n, "  ");
  for (const Edge& e : graph.edges) {
    std::string label = e.label.empty() ? "" : fmt::format("|\"{}\"|", escape(e.label));
    out += fmt::format("  {} {}{} {}\n", w.id(e.from), arrow(e), label, w.id(e.to));
  }
  out +=
      "  classDef initial stroke-width:3px\n"
      "  classDef key fill:#ffe082\n"
      "  classDef won fill:#d4edda,stroke:#2e7d32\n"
      "  classDef lost fill:#f8d7da,stroke:#c62828\n"
      "  classDef external stroke-dasharray:4 3\n"
      "  classDef any fill:#f5f5f5,stroke:#9e9e9e\n";
  out += w.classes();
  return out;
}

}  // namespace voronka::graph
