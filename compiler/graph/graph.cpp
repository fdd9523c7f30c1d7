// Builds the diagram of a checked program from the flow analysis of
// compiler/analysis (the same resolution of moves, per stage and `next`
// included, that the lints use) and the client's words of describe.h.
#include <fmt/format.h>

#include <set>

#include "compiler/analysis/blocks.h"
#include "compiler/analysis/flow.h"
#include "compiler/check/suggest.h"
#include "compiler/graph/describe.h"
#include "compiler/graph/graph.h"
#include "compiler/graph/steps.h"

namespace voronka::graph {
namespace {

using analysis::StageRef;
using check::kNone;

constexpr size_t kMaxEdgeLabel = 90;
constexpr size_t kEdgeLabelWidth = 28;  // edge labels go over lines of about this many characters
constexpr size_t kMaxBoxLine = 80;
constexpr size_t kColumns = 3;  // pipelines side by side; more go in rows below

bool delayed(const ast::Rule& rule) { return rule.timing.kind != ast::TimingKind::None; }
bool onEnter(const ast::Rule& rule) { return rule.event && rule.event->name.text == "enter"; }

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

class Builder {
 public:
  Builder(const check::CheckedProgram& program, const SourceManager& sources, const GraphOptions& options)
      : program_(program),
        options_(options),
        flow_(program),
        say_(program, sources, wordsFor(program.language)),
        words_(say_.words()) {}

  std::optional<FunnelGraph> build(std::string& error) {
    if (!choosePipelines(error)) return std::nullopt;
    for (int p : drawn_) addPipeline(p);
    addRowEdges();
    std::set<std::string> seen;
    std::vector<Edge> unique;
    for (auto& e : graph_.edges) {
      std::string key = fmt::format("{}\n{}\n{}\n{}", e.from, e.to, static_cast<int>(e.kind), e.label);
      if (seen.insert(key).second) unique.push_back(std::move(e));
    }
    graph_.edges = std::move(unique);
    return std::move(graph_);
  }

 private:
  // ───────────────────────────── which pipelines ──────────────────────────

  bool standard(int p) const {
    const ast::PipelineDecl* decl = program_.pipelines[p].decl;
    return decl && options_.standardFiles.count(decl->range.file) > 0;
  }

  bool choosePipelines(std::string& error) {
    std::vector<std::string> names, hidden;
    for (size_t p = 0; p < program_.pipelines.size(); ++p) {
      const std::string& name = program_.pipelines[p].name;
      names.push_back(name);
      if (!options_.pipeline.empty()) {
        if (name == options_.pipeline) drawn_.insert(static_cast<int>(p));
      } else if (standard(static_cast<int>(p)) && !options_.standardLibrary) {
        hidden.push_back(name);
      } else {
        drawn_.insert(static_cast<int>(p));
      }
    }
    if (!drawn_.empty()) return true;
    auto list = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& n : v) out += (out.empty() ? "`" : ", `") + n + "`";
      return out.empty() ? std::string("(none)") : out;
    };
    if (!options_.pipeline.empty()) {
      std::optional<std::string> close = check::closestName(options_.pipeline, names);
      error = fmt::format("there is no pipeline `{}`{}; the pipelines are {}", options_.pipeline,
                          close ? fmt::format(" (did you mean `{}`?)", *close) : "", list(names));
    } else if (!hidden.empty()) {
      error = fmt::format("there are no pipelines to draw but the standard library's ({}); add --with-std to draw them",
                          list(hidden));
    } else {
      error = "there are no pipelines to draw";
    }
    return false;
  }

  // ───────────────────────────── nodes ────────────────────────────────────

  std::string id(StageRef s) const { return flow_.stageName(s); }
  std::string anyId(int p) const { return program_.pipelines[p].name + ".*"; }

  // The node an edge leads to; stages of pipelines not drawn become external nodes.
  std::string target(StageRef s) {
    if (drawn_.count(s.pipeline)) return id(s);
    std::string name = id(s);
    if (externalSeen_.insert(name).second) {
      Node n;
      n.id = name;
      n.kind = NodeKind::External;
      n.title = say_.stageTitle(s);
      n.notes.push_back(options_.codeNames ? fmt::format("({})", name)
                                           : fmt::format("({})", say_.pipelineTitle(s.pipeline)));
      graph_.externals.push_back(std::move(n));
    }
    return name;
  }

  // What a move, a close or a new deal does, for a line in a box; `at` is the
  // stage the rule runs in (none for the "any stage" box, where `next` differs).
  std::string outcome(const check::RuleInfo& r, const ast::Action& a, std::optional<StageRef> at, bool inThen) const {
    std::optional<StageRef> to;
    if (a.kind == ast::ActionKind::CreateDeal) {
      to = flow_.createTarget(a.as<ast::CreateDealAction>(), at.value_or(StageRef{r.pipeline, 0}));
    } else if (at) {
      to = flow_.target(r, a, *at, inThen);
      if (!to) return "";
    } else if (a.kind == ast::ActionKind::Move) {
      const ast::MoveTarget& t = a.as<ast::MoveAction>().target;
      if (t.isNext) return fmt::format("→ {}", words_.nextStage);
      int p = t.pipeline ? check::CheckedProgram::lookup(program_.pipelineIndex, t.pipeline->text) : r.pipeline;
      int s = p == kNone ? kNone : program_.pipelines[p].findStage(t.stage.text);
      if (s != kNone) to = StageRef{p, s};
    } else if (r.pipeline != kNone) {
      const check::PipelineInfo& p = program_.pipelines[r.pipeline];
      to = StageRef{r.pipeline, a.kind == ast::ActionKind::Win ? p.won : p.lost};
    }
    return say_.outcome(a, to);
  }

  // Everything a rule does, on one line: "задача «…», → «Выбор»".
  std::string doings(const check::RuleInfo& r, std::optional<StageRef> at) const {
    std::vector<std::string> parts;
    forEachStep(r.rule->body, [&](const Step& step) {
      std::string what = say_.robot(*step.action);
      if (what.empty()) what = outcome(r, *step.action, at, step.inThen);
      if (what.empty()) return;
      std::string context = say_.context(step);
      parts.push_back(context.empty() ? what : context + ": " + what);
    });
    return joined(parts, "; ");
  }

  // The robots of these rules in a stage's (or the "any stage") box.
  std::vector<NodeSection> sections(const std::vector<const check::RuleInfo*>& rules,
                                    std::optional<StageRef> at) const {
    NodeSection entry{std::string(words_.onEnterHeading), {}};
    NodeSection time{std::string(words_.timersHeading), {}};
    NodeSection events{std::string(words_.eventsHeading), {}};
    for (const check::RuleInfo* r : rules) {
      const ast::Rule& rule = *r->rule;
      if (delayed(rule)) {
        std::string what = doings(*r, at);
        time.lines.push_back(shorten(say_.head(*r) + (what.empty() ? "" : ": " + what), kMaxBoxLine));
      } else if (onEnter(rule)) {
        // One line per robot: what a deal gets on entering is the heart of a stage.
        std::string clauses = say_.enterClauses(*r);
        forEachStep(rule.body, [&](const Step& step) {
          std::string what = say_.robot(*step.action);
          if (what.empty()) return;
          std::string context = joined({clauses, say_.context(step)}, ", ");
          entry.lines.push_back(shorten(context.empty() ? what : context + ": " + what, kMaxBoxLine));
        });
      } else {
        // Reactions that do more than move: their moves are the edges.
        bool robots = false;
        forEachStep(rule.body, [&](const Step& step) { robots = robots || !say_.robot(*step.action).empty(); });
        if (robots) events.lines.push_back(shorten(say_.head(*r) + ": " + doings(*r, at), kMaxBoxLine));
      }
    }
    std::vector<NodeSection> out;
    for (auto* s : {&entry, &time, &events}) {
      if (!s->lines.empty()) out.push_back(std::move(*s));
    }
    return out;
  }

  std::string policies(const check::PipelineInfo& p) const {
    auto allowed = [&](bool forward, bool backward) {
      if (forward && backward) return words_.forwardAndBack;
      if (forward) return words_.forwardOnly;
      if (backward) return words_.backOnly;
      return words_.nowhere;
    };
    return fmt::format(fmt::runtime(words_.policies), allowed(p.manualForward, p.manualBackward),
                       allowed(p.triggersForward, p.triggersBackward));
  }

  void addPipeline(int pi) {
    const check::PipelineInfo& p = program_.pipelines[pi];
    Cluster cluster;
    cluster.name = p.name;
    cluster.title = say_.pipelineTitle(pi);
    if (options_.codeNames) cluster.title += fmt::format(" ({})", p.name);
    cluster.policies = policies(p);
    for (StageRef at : flow_.stagesOfPipeline(pi)) {
      const check::StageInfo& s = flow_.stage(at);
      Node n;
      n.id = id(at);
      n.kind = s.kind == ast::StageKind::Won    ? NodeKind::Won
               : s.kind == ast::StageKind::Lost ? NodeKind::Lost
                                                : NodeKind::Working;
      n.title = say_.stageTitle(at);
      if (options_.codeNames && n.title != s.name) n.notes.push_back(fmt::format("({})", s.name));
      if (s.key) n.notes.emplace_back(words_.keyStage);
      n.initial = s.initial || (p.initial == kNone && at.stage == 0 && s.kind == ast::StageKind::Working);
      n.key = s.key;
      std::vector<const check::RuleInfo*> own;
      for (const check::RuleInfo* r : flow_.rulesAt(at)) {
        if (r->stage == at.stage && r->pipeline == pi) own.push_back(r);
      }
      n.sections = sections(own, at);
      if (n.kind != NodeKind::Working) cluster.finals.push_back(n.id);
      cluster.nodes.push_back(std::move(n));
    }
    // Rules written once for every stage are listed in a box of their own.
    Node any;
    any.id = anyId(pi);
    any.kind = NodeKind::AnyStage;
    any.title = std::string(words_.anyStage);
    std::vector<const check::RuleInfo*> everywhere;
    for (const auto& r : program_.rules) {
      if (r.stage == kNone && (r.pipeline == kNone || r.pipeline == pi)) everywhere.push_back(&r);
    }
    any.sections = sections(everywhere, std::nullopt);
    size_t before = graph_.edges.size();
    addRuleEdges(pi);
    bool anyNeeded = !any.sections.empty();
    for (size_t i = before; i < graph_.edges.size(); ++i) anyNeeded = anyNeeded || graph_.edges[i].from == any.id;
    if (anyNeeded) cluster.nodes.insert(cluster.nodes.begin(), std::move(any));
    addManualEdges(pi);
    addOrderEdges(pi);
    graph_.clusters.push_back(std::move(cluster));
  }

  // ───────────────────────────── edges ────────────────────────────────────

  std::string edgeLabel(const check::RuleInfo& r, const Step& step) const {
    std::string lose;
    if (step.action->kind == ast::ActionKind::Lose) lose = say_.outcome(*step.action, std::nullopt);
    return shorten(joined({say_.head(r), say_.context(step), lose}, ", "), kMaxEdgeLabel);
  }

  void addRuleEdges(int pi) {
    for (StageRef at : flow_.stagesOfPipeline(pi)) {
      for (const check::RuleInfo* r : flow_.rulesAt(at)) {
        bool everyStage = r->stage == kNone;
        forEachStep(r->rule->body, [&](const Step& step) {
          const ast::Action& a = *step.action;
          Edge e;
          if (analysis::isMove(a)) {
            std::optional<StageRef> to = flow_.target(*r, a, at, step.inThen);
            if (!to) return;
            bool isNext = a.kind == ast::ActionKind::Move && a.as<ast::MoveAction>().target.isNext;
            // A named target of an every-stage rule is drawn once, from the
            // "any stage" box; `next` differs per stage and is drawn per stage.
            e.from = everyStage && !isNext ? anyId(pi) : id(at);
            e.to = target(*to);
            bool trigger = flow_.cause(*r) == analysis::Cause::Trigger && !step.inThen;
            e.kind = trigger ? EdgeKind::Trigger : EdgeKind::Automatic;
            e.label = edgeLabel(*r, step);
          } else if (a.kind == ast::ActionKind::CreateDeal) {
            std::optional<StageRef> to = flow_.createTarget(a.as<ast::CreateDealAction>(), at);
            if (!to) return;
            e.from = everyStage ? anyId(pi) : id(at);
            e.to = target(*to);
            e.kind = EdgeKind::CreateDeal;
            std::string how = edgeLabel(*r, step);
            e.label = how == words_.atOnce ? std::string(words_.newDeal)
                                           : shorten(fmt::format("{}: {}", words_.newDeal, how), kMaxEdgeLabel);
          } else {
            return;
          }
          e.label = wrap(e.label, kEdgeLabelWidth);
          graph_.edges.push_back(std::move(e));
        });
      }
    }
  }

  // Managers may move deals to any stage in an allowed direction; the diagram
  // shows it between neighbours, one edge for both ways.
  void addManualEdges(int pi) {
    const check::PipelineInfo& p = program_.pipelines[pi];
    std::string byHand(words_.byHand);
    for (int s = 0; s + 1 < p.workingCount(); ++s) {
      std::string a = id({pi, s}), b = id({pi, s + 1});
      if (p.manualForward) {
        graph_.edges.push_back(Edge{a, b, EdgeKind::Manual, byHand, p.manualBackward});
      } else if (p.manualBackward) {
        graph_.edges.push_back(Edge{b, a, EdgeKind::Manual, byHand});
      }
    }
  }

  // The working stages one under another, the final ones under the last.
  void addOrderEdges(int pi) {
    const check::PipelineInfo& p = program_.pipelines[pi];
    int last = p.workingCount() - 1;
    for (int s = 0; s < last; ++s) graph_.edges.push_back(Edge{id({pi, s}), id({pi, s + 1}), EdgeKind::Order, ""});
    if (last < 0) return;
    for (int f : {p.won, p.lost}) {
      if (f != kNone) graph_.edges.push_back(Edge{id({pi, last}), id({pi, f}), EdgeKind::Order, ""});
    }
  }

  // Many pipelines side by side make a strip again: past kColumns they go in
  // rows, each pipeline under the one kColumns before it.
  void addRowEdges() {
    const auto& c = graph_.clusters;
    for (size_t k = kColumns; k < c.size(); ++k) {
      const Cluster& above = c[k - kColumns];
      const Cluster& below = c[k];
      if (above.nodes.empty() || below.nodes.empty()) continue;
      std::string bottom = above.finals.empty() ? above.nodes.back().id : above.finals.front();
      graph_.edges.push_back(Edge{bottom, below.nodes.front().id, EdgeKind::Order, ""});
    }
  }

  const check::CheckedProgram& program_;
  const GraphOptions& options_;
  analysis::Flow flow_;
  Describer say_;
  const Words& words_;
  std::set<int> drawn_;
  std::set<std::string> externalSeen_;
  FunnelGraph graph_;
};

}  // namespace

std::optional<FunnelGraph> buildGraph(const check::CheckedProgram& program, const SourceManager& sources,
                                      const GraphOptions& options, std::string& error) {
  return Builder(program, sources, options).build(error);
}

}  // namespace voronka::graph
