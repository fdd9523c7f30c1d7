// Builds the diagram of a checked program from the flow analysis of
// compiler/analysis: the same resolution of moves (per stage, `next` included)
// that the lints use.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "compiler/analysis/blocks.h"
#include "compiler/analysis/flow.h"
#include "compiler/analysis/values.h"
#include "compiler/graph/graph.h"

namespace voronka::graph {
namespace {

using analysis::StageRef;
using check::kNone;

constexpr size_t kMaxLabel = 60;

class Builder {
 public:
  Builder(const check::CheckedProgram& program, const SourceManager& sources)
      : program_(program), sources_(sources), flow_(program) {}

  std::optional<FunnelGraph> build(const GraphOptions& options, std::string& error) {
    for (size_t p = 0; p < program_.pipelines.size(); ++p) {
      if (options.pipeline.empty() || program_.pipelines[p].name == options.pipeline)
        drawn_.insert(static_cast<int>(p));
    }
    if (drawn_.empty()) {
      std::string names;
      for (const auto& p : program_.pipelines) names += (names.empty() ? "`" : ", `") + p.name + "`";
      error = options.pipeline.empty() ? "there are no pipelines to draw"
                                       : fmt::format("there is no pipeline `{}`; the pipelines are {}",
                                                     options.pipeline, names.empty() ? "(none)" : names);
      return std::nullopt;
    }
    for (int p : drawn_) addPipeline(p);
    std::set<std::string> seen;
    std::vector<Edge> unique;
    for (auto& e : graph_.edges) {
      if (seen.insert(e.from + "\n" + e.to + "\n" + std::to_string(static_cast<int>(e.kind)) + "\n" + e.label).second) {
        unique.push_back(std::move(e));
      }
    }
    graph_.edges = std::move(unique);
    return std::move(graph_);
  }

 private:
  std::string id(StageRef s) const { return flow_.stageName(s); }
  std::string anyId(int p) const { return program_.pipelines[p].name + ".*"; }

  // The node an edge leads to; stages of pipelines not drawn become external nodes.
  std::string target(StageRef s) {
    if (drawn_.count(s.pipeline)) return id(s);
    std::string name = id(s);
    if (externalSeen_.insert(name).second) {
      const check::StageInfo& stage = flow_.stage(s);
      Node n;
      n.id = name;
      n.kind = NodeKind::External;
      n.name = name;
      n.title = stage.title;
      graph_.externals.push_back(std::move(n));
    }
    return name;
  }

  std::string text(SourceRange r) const { return sources_.collapsedText(r); }

  static std::string shorten(std::string s, size_t limit = kMaxLabel) {
    if (utf8::codePointCount(s) <= limit) return s;
    std::string out;
    size_t i = 0, n = 0;
    while (i < s.size() && n < limit - 1) {
      size_t len = utf8::sequenceLength(static_cast<unsigned char>(s[i]));
      out += s.substr(i, len);
      i += len;
      ++n;
    }
    return out + "…";
  }

  // A rule's head as written, without its block: `after 3d unless link_clicked`.
  std::string head(const ast::Rule& rule) const {
    SourceRange r{rule.range.file, rule.range.begin, rule.body.range.valid() ? rule.body.range.begin : rule.range.end};
    std::string h = text(r);
    if (rule.arrowForm && h.size() >= 2 && h.compare(h.size() - 2, 2, "->") == 0) h = h.substr(0, h.size() - 2);
    while (!h.empty() && (h.back() == ' ' || h.back() == '{')) h.pop_back();
    if (h.rfind("on ", 0) == 0) h = h.substr(3);
    return h;
  }

  // The conditions of `if` branches on the way to an action.
  std::string branchConditions(const ast::Rule& rule, const ast::Action* action) const {
    bool truncated = false;
    for (const auto& path : analysis::immediatePaths(rule.body, truncated)) {
      if (std::find(path.actions.begin(), path.actions.end(), action) == path.actions.end()) continue;
      std::string out;
      for (const auto& l : path.conditions) {
        std::string c = text(l.expr->range);
        out += (out.empty() ? "if " : " and ") + (l.positive ? c : "not (" + c + ")");
      }
      return out;
    }
    return "";
  }

  std::string edgeLabel(const ast::Rule& rule, const ast::Action& action, const analysis::ActionContext& where) const {
    std::string label = head(rule);
    std::string branch = branchConditions(rule, &action);
    if (!branch.empty()) label += " " + branch;
    if (where.inThen) label += fmt::format(" then +{}", analysis::showDuration(where.thenDelay));
    if (action.kind == ast::ActionKind::Lose) {
      const auto& lose = action.as<ast::LoseAction>();
      if (lose.reason) label += fmt::format(": lose \"{}\"", lose.reason->value);
    }
    return shorten(label);
  }

  // One line per delayed rule: its head, then what it does.
  std::string timerLine(const ast::Rule& rule) const {
    std::vector<std::string> doing;
    for (const auto& a : rule.body.actions) {
      std::string word = a->kind == ast::ActionKind::Move ? "-> " + text(a->as<ast::MoveAction>().target.range)
                                                          : ast::keyword(a->kind);
      if (std::find(doing.begin(), doing.end(), word) == doing.end()) doing.push_back(word);
    }
    std::string what;
    for (size_t i = 0; i < doing.size() && i < 3; ++i) what += (i ? ", " : "") + doing[i];
    if (doing.size() > 3) what += ", …";
    // Keep what it does visible: shorten the head, not the summary.
    std::string h = head(rule);
    if (utf8::codePointCount(h) > kMaxLabel - 20) h = shorten(h, kMaxLabel - 20);
    return h + (what.empty() ? "" : ": " + what);
  }

  static bool delayed(const ast::Rule& rule) { return rule.timing.kind != ast::TimingKind::None; }

  void addPipeline(int pi) {
    const check::PipelineInfo& p = program_.pipelines[pi];
    Cluster cluster;
    cluster.name = p.name;
    cluster.title = p.title;
    auto allowed = [](bool forward, bool backward) {
      if (forward && backward) return std::string("forward and back");
      if (forward) return std::string("forward only");
      if (backward) return std::string("back only");
      return std::string("none");
    };
    cluster.policies = fmt::format("manual moves: {}; triggers: {}", allowed(p.manualForward, p.manualBackward),
                                   allowed(p.triggersForward, p.triggersBackward));
    bool anyNeeded = false;
    for (StageRef at : flow_.stagesOfPipeline(pi)) {
      const check::StageInfo& s = flow_.stage(at);
      Node n;
      n.id = id(at);
      n.kind = s.kind == ast::StageKind::Won    ? NodeKind::Won
               : s.kind == ast::StageKind::Lost ? NodeKind::Lost
                                                : NodeKind::Working;
      n.name = s.name;
      n.title = s.title == s.name ? "" : s.title;  // `won` without a title is titled `won`
      n.initial = s.initial || (p.initial == kNone && at.stage == 0 && s.kind == ast::StageKind::Working);
      n.key = s.key;
      for (const check::RuleInfo* r : flow_.rulesAt(at)) {
        if (r->stage == at.stage && r->pipeline == pi && delayed(*r->rule)) n.timers.push_back(timerLine(*r->rule));
      }
      cluster.nodes.push_back(std::move(n));
    }
    // Rules written once for every stage hang off a node of their own.
    Node any;
    any.id = anyId(pi);
    any.kind = NodeKind::AnyStage;
    any.name = "*";
    any.title = "any stage";
    for (const auto& r : program_.rules) {
      if (r.stage != kNone || (r.pipeline != kNone && r.pipeline != pi)) continue;
      if (delayed(*r.rule)) any.timers.push_back(timerLine(*r.rule));
    }
    size_t before = graph_.edges.size();
    addRuleEdges(pi);
    anyNeeded = !any.timers.empty();
    for (size_t i = before; i < graph_.edges.size(); ++i) anyNeeded = anyNeeded || graph_.edges[i].from == any.id;
    if (anyNeeded) cluster.nodes.push_back(std::move(any));
    addManualEdges(pi);
    graph_.clusters.push_back(std::move(cluster));
  }

  void addRuleEdges(int pi) {
    for (StageRef at : flow_.stagesOfPipeline(pi)) {
      for (const check::RuleInfo* r : flow_.rulesAt(at)) {
        bool everyStage = r->stage == kNone;
        analysis::forEachAction(r->rule->body, [&](const ast::Action& a, const analysis::ActionContext& where) {
          Edge e;
          if (analysis::isMove(a)) {
            std::optional<StageRef> to = flow_.target(*r, a, at, where.inThen);
            if (!to) return;
            bool isNext = a.kind == ast::ActionKind::Move && a.as<ast::MoveAction>().target.isNext;
            // A named target of an every-stage rule is drawn once, from the
            // "any stage" node; `next` differs per stage and is drawn per stage.
            e.from = everyStage && !isNext ? anyId(pi) : id(at);
            e.to = target(*to);
            bool trigger = flow_.cause(*r) == analysis::Cause::Trigger && !where.inThen;
            e.kind = trigger ? EdgeKind::Trigger : EdgeKind::Automatic;
          } else if (a.kind == ast::ActionKind::CreateDeal) {
            std::optional<StageRef> to = flow_.createTarget(a.as<ast::CreateDealAction>(), at);
            if (!to) return;
            e.from = everyStage ? anyId(pi) : id(at);
            e.to = target(*to);
            e.kind = EdgeKind::CreateDeal;
          } else {
            return;
          }
          e.label = edgeLabel(*r->rule, a, where);
          if (e.kind == EdgeKind::CreateDeal) e.label = shorten("create deal: " + e.label);
          graph_.edges.push_back(std::move(e));
        });
      }
    }
  }

  // Managers may move deals to any stage in an allowed direction; the diagram
  // shows it between neighbours.
  void addManualEdges(int pi) {
    const check::PipelineInfo& p = program_.pipelines[pi];
    for (int s = 0; s + 1 < p.workingCount(); ++s) {
      StageRef a{pi, s}, b{pi, s + 1};
      if (p.manualForward) graph_.edges.push_back(Edge{id(a), id(b), EdgeKind::Manual, "manual"});
      if (p.manualBackward) graph_.edges.push_back(Edge{id(b), id(a), EdgeKind::Manual, "manual"});
    }
  }

  const check::CheckedProgram& program_;
  const SourceManager& sources_;
  analysis::Flow flow_;
  std::set<int> drawn_;
  std::set<std::string> externalSeen_;
  FunnelGraph graph_;
};

}  // namespace

std::optional<FunnelGraph> buildGraph(const check::CheckedProgram& program, const SourceManager& sources,
                                      const GraphOptions& options, std::string& error) {
  return Builder(program, sources).build(options, error);
}

}  // namespace voronka::graph
