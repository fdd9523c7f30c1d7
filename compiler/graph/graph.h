// The funnel as a diagram: the stages of each pipeline in order, and the
// ways deals move between them — triggers (client events), automatic moves
// (`on enter`, timers), the directions managers may move deals by hand, and
// `create deal` into other pipelines. Delayed rules are listed on their
// stage. `voronka graph` renders it as DOT (and SVG through Graphviz) or as
// Mermaid for Markdown.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/check/program.h"
#include "compiler/source/source.h"

namespace voronka::graph {

enum class NodeKind : uint8_t {
  Working,
  Won,
  Lost,
  External,  // a stage of a pipeline not drawn (`--pipeline`), reached by a move
  AnyStage,  // stands for every stage: rules written at the pipeline or top level
};

struct Node {
  std::string id;  // unique, stable: `retail.clarify`, `retail.*`
  NodeKind kind = NodeKind::Working;
  std::string name;   // the stage's name in the language
  std::string title;  // its title, if any
  bool initial = false;
  bool key = false;
  std::vector<std::string> timers;  // the delayed rules of the stage, one line each
};

enum class EdgeKind : uint8_t {
  Trigger,     // a client's or system's event moves the deal at once
  Automatic,   // `on enter`, `create`, `leave`, timers, delayed rules, `then after`
  Manual,      // a manager may move deals this way by hand
  CreateDeal,  // a rule starts a new deal there
};

struct Edge {
  std::string from, to;  // node ids
  EdgeKind kind = EdgeKind::Automatic;
  std::string label;
};

struct Cluster {
  std::string name, title;
  std::string policies;  // "manual: forward, backward; triggers: forward"
  std::vector<Node> nodes;
};

struct FunnelGraph {
  std::vector<Cluster> clusters;  // one per pipeline drawn, in declaration order
  std::vector<Node> externals;    // stages of other pipelines that edges lead to
  std::vector<Edge> edges;
};

struct GraphOptions {
  std::string pipeline;  // draw only this pipeline (empty: all)
};

// nullopt with `error` set when the pipeline asked for does not exist.
std::optional<FunnelGraph> buildGraph(const check::CheckedProgram& program, const SourceManager& sources,
                                      const GraphOptions& options, std::string& error);

std::string renderDot(const FunnelGraph& graph);
std::string renderMermaid(const FunnelGraph& graph);

}  // namespace voronka::graph
