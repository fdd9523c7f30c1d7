// `voronka graph`: the diagram model and its DOT and Mermaid renderings.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/language/events.h"
#include "compiler/graph/graph.h"
#include "compiler/graph/words.h"
#include "tests/unit/test_support.h"

namespace voronka {
namespace {

std::unique_ptr<testing::Compiled> funnel(const std::string& account = "") {
  return testing::compile(account + R"(
field budget: money "Бюджет"
template email prices "Цены" { body "Подборка" }
pipeline sales "Продажи" {
  manual backward: deny
  triggers backward: allow
  on call_missed -> incoming
  stage incoming "Входящие" {
    on enter { task "Разобрать" due 1h  email prices  then after 2d { note "напомнить" } }
    on email_received when budget > 0 -> offer
    after 3d { note "напомнить" }
  }
  stage offer "КП" key {
    on enter { task "t" }
    on payment_received { if budget > 1000 { win } else { lose "Дорого" } }
    on call_incoming { split 30% { move incoming } else { note "позже" } }
  }
  won "Успех" { on enter { create deal in service.start } }
  lost "Отказ" reasons { "Дорого" other "Другое" }
}
pipeline service "Сервис" {
  stage start "Старт" { on enter { task "t" } }
  won lost
})");
}

// Options the test names; the rest as by default.
graph::GraphOptions options(std::string pipeline, bool codeNames = false, bool standardLibrary = false,
                            std::set<FileId> standardFiles = {}) {
  graph::GraphOptions o;
  o.pipeline = std::move(pipeline);
  o.codeNames = codeNames;
  o.standardLibrary = standardLibrary;
  o.standardFiles = std::move(standardFiles);
  return o;
}

std::optional<graph::FunnelGraph> build(const testing::Compiled& c, const graph::GraphOptions& options = {}) {
  EXPECT_TRUE(c.program);
  EXPECT_TRUE(c.sink.all().empty()) << c.sink.all().front().message;
  std::string error;
  auto g = graph::buildGraph(*c.program, c.sources, options, error);
  EXPECT_TRUE(g) << error;
  return g;
}

const graph::Edge* edge(const graph::FunnelGraph& g, const std::string& from, const std::string& to,
                        graph::EdgeKind kind) {
  for (const auto& e : g.edges) {
    if (e.from == from && e.to == to && e.kind == kind) return &e;
  }
  return nullptr;
}

const graph::Node* node(const graph::Cluster& c, const std::string& id) {
  for (const auto& n : c.nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

TEST(Graph, StagesAreTitledAndListTheirRobots) {
  auto c = funnel();
  auto g = build(*c);
  ASSERT_TRUE(g);
  ASSERT_EQ(g->clusters.size(), 2u);
  const graph::Cluster& sales = g->clusters[0];
  EXPECT_EQ(sales.title, "Продажи");
  EXPECT_EQ(sales.policies, "вручную: только вперёд; триггеры: вперёд и назад");
  ASSERT_EQ(sales.nodes.size(), 5u);  // "any stage" first, then four stages
  EXPECT_EQ(sales.nodes[0].kind, graph::NodeKind::AnyStage);
  EXPECT_EQ(sales.finals, (std::vector<std::string>{"sales.won", "sales.lost"}));

  const graph::Node* incoming = node(sales, "sales.incoming");
  ASSERT_NE(incoming, nullptr);
  EXPECT_EQ(incoming->title, "Входящие");
  EXPECT_TRUE(incoming->notes.empty());  // no code names unless asked
  EXPECT_TRUE(incoming->initial);
  ASSERT_EQ(incoming->sections.size(), 2u);
  EXPECT_EQ(incoming->sections[0].heading, "При входе:");
  EXPECT_EQ(incoming->sections[0].lines, (std::vector<std::string>{"задача «Разобрать», срок 1 ч", "письмо «Цены»",
                                                                   "затем через 2 дн.: примечание «напомнить»"}));
  EXPECT_EQ(incoming->sections[1].heading, "По времени:");
  EXPECT_EQ(incoming->sections[1].lines, std::vector<std::string>{"через 3 дн.: примечание «напомнить»"});

  const graph::Node* offer = node(sales, "sales.offer");
  ASSERT_NE(offer, nullptr);
  EXPECT_TRUE(offer->key);
  EXPECT_EQ(offer->notes, std::vector<std::string>{"ключевой этап"});
  // Both arms of the split: the move is an edge, the note a robot.
  ASSERT_EQ(offer->sections.size(), 2u);
  EXPECT_EQ(offer->sections[1].lines,
            std::vector<std::string>{"входящий звонок: 30% сделок: → «Входящие»; остальные 70%: примечание «позже»"});
}

TEST(Graph, EdgesSayWhatMovesTheDeal) {
  auto c = funnel();
  auto g = build(*c);
  ASSERT_TRUE(g);
  using graph::EdgeKind;
  const graph::Edge* trigger = edge(*g, "sales.incoming", "sales.offer", EdgeKind::Trigger);
  ASSERT_NE(trigger, nullptr);
  EXPECT_EQ(trigger->label, "письмо от клиента, если\nБюджет > 0");
  const graph::Edge* lose = edge(*g, "sales.offer", "sales.lost", EdgeKind::Trigger);
  ASSERT_NE(lose, nullptr);
  EXPECT_EQ(lose->label, "получена оплата, если не\n(Бюджет > 1000), проигрыш\n«Дорого»");
  const graph::Edge* split = edge(*g, "sales.offer", "sales.incoming", EdgeKind::Trigger);
  ASSERT_NE(split, nullptr);
  EXPECT_EQ(split->label, "входящий звонок, 30% сделок");
  ASSERT_NE(edge(*g, "sales.*", "sales.incoming", EdgeKind::Trigger), nullptr);  // the pipeline-wide trigger
  const graph::Edge* create = edge(*g, "sales.won", "service.start", EdgeKind::CreateDeal);
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->label, "новая сделка");
  // Managers may move forward only: one edge, one way.
  std::vector<const graph::Edge*> manual;
  for (const auto& e : g->edges) {
    if (e.kind == EdgeKind::Manual) manual.push_back(&e);
  }
  ASSERT_EQ(manual.size(), 1u);
  EXPECT_EQ(manual[0]->from, "sales.incoming");
  EXPECT_EQ(manual[0]->to, "sales.offer");
  EXPECT_FALSE(manual[0]->bothWays);
  // The stages keep their order, the final ones under the last working stage.
  EXPECT_NE(edge(*g, "sales.incoming", "sales.offer", EdgeKind::Order), nullptr);
  EXPECT_NE(edge(*g, "sales.offer", "sales.lost", EdgeKind::Order), nullptr);
}

TEST(Graph, LabelsAreInTheAccountsLanguage) {
  auto c = funnel(R"(account "A" { language en })");
  auto g = build(*c, options("", true));
  ASSERT_TRUE(g);
  const graph::Cluster& sales = g->clusters[0];
  EXPECT_EQ(sales.title, "Продажи (sales)");
  EXPECT_EQ(sales.policies, "by hand: forward only; triggers: forward and back");
  const graph::Node* offer = node(sales, "sales.offer");
  ASSERT_NE(offer, nullptr);
  EXPECT_EQ(offer->notes, (std::vector<std::string>{"(offer)", "key stage"}));
  EXPECT_EQ(offer->sections[0].heading, "On entry:");
  const graph::Edge* trigger = edge(*g, "sales.incoming", "sales.offer", graph::EdgeKind::Trigger);
  ASSERT_NE(trigger, nullptr);
  EXPECT_EQ(trigger->label, "email from the client, if\nБюджет > 0");
}

TEST(Graph, OnePipelineShowsOthersAsExternalNodes) {
  auto c = funnel();
  auto g = build(*c, options("sales"));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->clusters.size(), 1u);
  ASSERT_EQ(g->externals.size(), 1u);
  EXPECT_EQ(g->externals[0].id, "service.start");
  EXPECT_EQ(g->externals[0].title, "Старт");
  EXPECT_EQ(g->externals[0].notes, std::vector<std::string>{"(Сервис)"});
  std::string error;
  EXPECT_FALSE(graph::buildGraph(*c->program, c->sources, options("sale"), error));
  EXPECT_EQ(error, "there is no pipeline `sale` (did you mean `sales`?); the pipelines are `sales`, `service`");
}

TEST(Graph, StandardLibraryPipelinesOnlyWhenAsked) {
  auto c = funnel();
  ASSERT_TRUE(c->program);
  // Take the file as a std.* module: its pipelines are drawn only when asked.
  std::set<FileId> standard{c->program->pipelines[0].decl->range.file};
  std::string error;
  EXPECT_FALSE(graph::buildGraph(*c->program, c->sources, options("", false, false, standard), error));
  EXPECT_EQ(
      error,
      "there are no pipelines to draw but the standard library's (`sales`, `service`); add --with-std to draw them");
  auto all = build(*c, options("", false, true, standard));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->clusters.size(), 2u);
  auto one = build(*c, options("service", false, false, standard));  // asked for by name
  ASSERT_TRUE(one);
  EXPECT_EQ(one->clusters.size(), 1u);
}

TEST(Graph, RenderingsEscapeAndStyle) {
  auto c = testing::compile(R"(pipeline p { stage a "Этап \"А\" <1>" { on enter { task "t & u" } } won lost })");
  auto g = build(*c);
  ASSERT_TRUE(g);
  std::string dot = graph::renderDot(*g);
  EXPECT_NE(dot.find(R"x("p.a" [label=<<b>Этап &quot;А&quot; &lt;1&gt;</b><br/><i>При входе:</i>)x"), std::string::npos)
      << dot;
  EXPECT_NE(dot.find("• задача «t &amp; u»<br align=\"left\"/>>, group=\"p\", peripheries=2];"), std::string::npos)
      << dot;
  EXPECT_NE(dot.find(R"x("p.won" [label=<<b>won</b>>, fillcolor="#d4edda")x"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"x("p.a" -> "p.won" [style=invis];)x"), std::string::npos) << dot;
  EXPECT_NE(dot.find("rankdir=TB"), std::string::npos) << dot;
  std::string mermaid = graph::renderMermaid(*g);
  EXPECT_NE(mermaid.find(R"x(["<b>Этап #quot;А#quot; #lt;1#gt;</b><br/><i>При входе:</i><br/>• задача «t & u»"])x"),
            std::string::npos)
      << mermaid;
  EXPECT_NE(mermaid.find("flowchart TB"), std::string::npos) << mermaid;
  EXPECT_NE(mermaid.find("class n1 initial"), std::string::npos) << mermaid;
}

// Every built-in event of common/language/events.def reads as words in every
// language of the account: a new event without its phrase fails here.
TEST(Graph, EveryBuiltinEventHasAPhraseInEveryLanguage) {
  for (lang::Language language : {lang::Language::Ru, lang::Language::En}) {
    const graph::Words& words = graph::wordsFor(language);
    for (const lang::EventInfo& e : lang::kBuiltinEvents) {
      EXPECT_NE(words.event(e.name), nullptr) << e.name << " has no phrase in " << lang::code(language);
    }
  }
}

}  // namespace
}  // namespace voronka
