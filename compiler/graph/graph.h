// The funnel as a diagram a consultant can show the client: the stages of
// each pipeline top to bottom, titled as the client knows them, each box
// listing its robots (what runs when a deal enters, on time, on events), and
// the ways deals move between stages — triggers (the client's or a system's
// events), automatic moves (`on enter`, timers, `then after`), the directions
// managers may move deals by hand, and `create deal` into other pipelines.
// Labels are in the account's language (words.h). `voronka graph` renders it
// as DOT (and SVG through Graphviz) or as Mermaid for Markdown; both
// renderings lay out the same texts.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/check/program.h"
#include "compiler/source/source.h"

namespace voronka::graph {

enum class NodeKind : uint8_t {
  Working,
  Won,
  Lost,
  External,  // a stage of a pipeline not drawn (`--pipeline`, the standard library), reached by a move
  AnyStage,  // stands for every stage: rules written at the pipeline or top level
};

// A list in a stage's box: "При входе:" and its lines.
struct NodeSection {
  std::string heading;
  std::vector<std::string> lines;
};

struct Node {
  std::string id;  // unique, stable: `retail.clarify`, `retail.*`
  NodeKind kind = NodeKind::Working;
  std::string title;               // the stage's title (its name when it has none)
  std::vector<std::string> notes;  // small lines under the title: the code name, "key stage", another pipeline
  bool initial = false;
  bool key = false;
  std::vector<NodeSection> sections;  // robots on entry, on time, on events; empty ones are left out
};

enum class EdgeKind : uint8_t {
  Trigger,     // a client's or system's event moves the deal at once
  Automatic,   // `on enter`, `create`, `leave`, timers, delayed rules, `then after`
  Manual,      // a manager may move deals this way by hand
  CreateDeal,  // a rule starts a new deal there
  Order,       // no move: keeps the stages in their order (drawn invisible)
};

struct Edge {
  std::string from, to;  // node ids
  EdgeKind kind = EdgeKind::Automatic;
  std::string label;
  bool bothWays = false;  // Manual: managers may move deals back too
};

struct Cluster {
  std::string name;
  std::string title;     // with the code name when asked for
  std::string policies;  // "вручную: вперёд и назад; триггеры: только вперёд"
  std::vector<Node> nodes;
  std::vector<std::string> finals;  // ids of won and lost: drawn side by side at the bottom
};

struct FunnelGraph {
  std::vector<Cluster> clusters;  // one per pipeline drawn, in declaration order
  std::vector<Node> externals;    // stages of other pipelines that edges lead to
  std::vector<Edge> edges;
};

struct GraphOptions {
  std::string pipeline;            // draw only this pipeline (empty: all but the standard library's)
  bool codeNames = false;          // show each stage's and pipeline's code name under its title
  bool standardLibrary = false;    // draw the pipelines of std.* modules too
  std::set<FileId> standardFiles;  // the files of std.* modules
};

// nullopt with `error` set when the pipeline asked for does not exist or
// nothing is left to draw.
std::optional<FunnelGraph> buildGraph(const check::CheckedProgram& program, const SourceManager& sources,
                                      const GraphOptions& options, std::string& error);

std::string renderDot(const FunnelGraph& graph);
std::string renderMermaid(const FunnelGraph& graph);

}  // namespace voronka::graph
