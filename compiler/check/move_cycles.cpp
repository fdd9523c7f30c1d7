// Immediate moves that come back to where they started: `on enter` rules with
// no delay and no condition whose moves lead in a circle. The runtime would
// stop such a cascade at depth 32; the checker refuses it outright.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "compiler/check/checker_impl.h"

namespace voronka::check {
namespace {

// A node of the search: a stage, and the stage the deal came from (for
// `on enter from X`), kNone when it came from elsewhere.
struct Node {
  int pipeline, stage, from;
  bool operator<(const Node& o) const {
    return std::tie(pipeline, stage, from) < std::tie(o.pipeline, o.stage, o.from);
  }
  bool operator==(const Node& o) const { return pipeline == o.pipeline && stage == o.stage && from == o.from; }
};

struct Edge {
  Node to;
  const ImmediateMove* move;
};

}  // namespace

void Checker::checkMoveCycles() {
  if (immediateMoves_.empty()) return;
  auto successors = [&](const Node& n) {
    std::vector<Edge> out;
    const PipelineInfo& p = prog_.pipelines[n.pipeline];
    for (const auto& m : immediateMoves_) {
      if (m.pipeline != n.pipeline) continue;
      if (m.stage != kNone && m.stage != n.stage) continue;
      if (m.fromStage != kNone && m.fromStage != n.from) continue;
      Node to{};
      if (m.isNext) {
        if (n.stage + 1 >= p.workingCount()) continue;
        to = Node{n.pipeline, n.stage + 1, n.stage};
      } else {
        to = Node{m.targetPipeline, m.targetStage, m.targetPipeline == n.pipeline ? n.stage : kNone};
      }
      // A move to the stage the deal is in does nothing (no leave, no enter):
      // harmless from a pipeline-level rule, a mistake in the stage's own rule.
      if (to.pipeline == n.pipeline && to.stage == n.stage && m.stage == kNone) continue;
      out.push_back(Edge{to, &m});
    }
    return out;
  };

  std::set<std::set<std::pair<int, int>>> reported;
  std::set<Node> done;
  // Depth-first search from every stage, iteratively (no recursion on user input).
  for (size_t pi = 0; pi < prog_.pipelines.size(); ++pi) {
    for (size_t si = 0; si < prog_.pipelines[pi].stages.size(); ++si) {
      Node start{static_cast<int>(pi), static_cast<int>(si), kNone};
      if (done.count(start)) continue;
      struct Frame {
        Node node;
        std::vector<Edge> edges;
        size_t next = 0;
        const ImmediateMove* via = nullptr;
      };
      std::vector<Frame> stack;
      std::set<Node> onStack;
      stack.push_back(Frame{start, successors(start)});
      onStack.insert(start);
      while (!stack.empty()) {
        Frame& top = stack.back();
        if (top.next >= top.edges.size()) {
          onStack.erase(top.node);
          done.insert(top.node);
          stack.pop_back();
          continue;
        }
        Edge edge = top.edges[top.next++];
        if (onStack.count(edge.to)) {
          // A cycle: from the frame holding edge.to to here, closed by `edge`.
          // nodes[i] moves to nodes[i + 1] (and the last back to the first) by moves[i].
          auto begin = std::find_if(stack.begin(), stack.end(), [&](const Frame& f) { return f.node == edge.to; });
          std::vector<Node> nodes;
          std::vector<const ImmediateMove*> moves;
          for (auto it = begin; it != stack.end(); ++it) {
            nodes.push_back(it->node);
            if (it + 1 != stack.end()) moves.push_back((it + 1)->via);
          }
          moves.push_back(edge.move);
          std::set<std::pair<int, int>> stages;
          for (const Node& n : nodes) stages.emplace(n.pipeline, n.stage);
          if (reported.insert(stages).second) {
            // Start the story at the move written first in the source.
            size_t first = 0;
            for (size_t i = 1; i < moves.size(); ++i) {
              if (moves[i]->move->range.begin < moves[first]->move->range.begin) first = i;
            }
            std::string path;
            for (size_t i = 0; i <= nodes.size(); ++i) {
              const Node& n = nodes[(first + i) % nodes.size()];
              path += (i ? " → " : "") + stageDisplay(n.pipeline, n.stage);
            }
            Diagnostic& d = sink_.emit(diag::MoveCycle, moves[first]->move->range, path);
            for (size_t i = 1; i < moves.size(); ++i) {
              d.note(moves[(first + i) % moves.size()]->move->range, "and this move continues the circle");
            }
          }
          continue;
        }
        if (done.count(edge.to)) continue;
        onStack.insert(edge.to);
        stack.push_back(Frame{edge.to, successors(edge.to), 0, edge.move});
      }
    }
  }
}

}  // namespace voronka::check
