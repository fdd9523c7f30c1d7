// `voronka graph`: the diagram model and its DOT and Mermaid renderings.
#include <gtest/gtest.h>

#include "compiler/graph/graph.h"
#include "tests/unit/test_support.h"

namespace voronka {
namespace {

std::unique_ptr<testing::Compiled> funnel() {
  return testing::compile(R"(
field budget: money
pipeline sales "Продажи" {
  manual backward: deny
  triggers backward: allow
  on call_missed -> incoming
  stage incoming "Входящие" {
    on enter { task "t" }
    on email_received when budget > 0 -> offer
    after 3d { note "напомнить" }
  }
  stage offer "КП" key {
    on enter { task "t" }
    on payment_received { if budget > 1000 { win } else { lose "Дорого" } }
  }
  won "Успех" { on enter { create deal in service.start } }
  lost "Отказ" reasons { "Дорого" other "Другое" }
}
pipeline service "Сервис" {
  stage start "Старт" { on enter { task "t" } }
  won lost
})");
}

const graph::Edge* edge(const graph::FunnelGraph& g, const std::string& from, const std::string& to) {
  for (const auto& e : g.edges) {
    if (e.from == from && e.to == to) return &e;
  }
  return nullptr;
}

TEST(Graph, NodesEdgesAndStyles) {
  auto c = funnel();
  ASSERT_TRUE(c->program);
  ASSERT_TRUE(c->sink.all().empty()) << c->sink.all().front().message;
  std::string error;
  auto g = graph::buildGraph(*c->program, c->sources, {}, error);
  ASSERT_TRUE(g) << error;
  ASSERT_EQ(g->clusters.size(), 2u);
  const auto& nodes = g->clusters[0].nodes;
  ASSERT_EQ(nodes.size(), 5u);  // four stages and "any stage"
  EXPECT_TRUE(nodes[0].initial);
  EXPECT_TRUE(nodes[1].key);
  EXPECT_EQ(nodes[2].kind, graph::NodeKind::Won);
  EXPECT_EQ(nodes[3].kind, graph::NodeKind::Lost);
  EXPECT_EQ(nodes[4].kind, graph::NodeKind::AnyStage);
  EXPECT_EQ(nodes[0].timers, std::vector<std::string>{"after 3d: note"});

  const graph::Edge* trigger = edge(*g, "sales.incoming", "sales.offer");
  ASSERT_NE(trigger, nullptr);
  EXPECT_EQ(trigger->kind, graph::EdgeKind::Trigger);
  EXPECT_EQ(trigger->label, "email_received when budget > 0");
  const graph::Edge* lose = edge(*g, "sales.offer", "sales.lost");
  ASSERT_NE(lose, nullptr);
  EXPECT_EQ(lose->label, "payment_received if not (budget > 1000): lose \"Дорого\"");
  ASSERT_NE(edge(*g, "sales.*", "sales.incoming"), nullptr);  // the pipeline-wide trigger
  const graph::Edge* create = edge(*g, "sales.won", "service.start");
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->kind, graph::EdgeKind::CreateDeal);
  // Managers may move forward only.
  const graph::Edge* manual = nullptr;
  for (const auto& e : g->edges) {
    if (e.kind == graph::EdgeKind::Manual) {
      EXPECT_EQ(manual, nullptr) << "one manual edge: incoming → offer";
      manual = &e;
    }
  }
  ASSERT_NE(manual, nullptr);
  EXPECT_EQ(manual->from, "sales.incoming");
  EXPECT_EQ(manual->to, "sales.offer");
}

TEST(Graph, OnePipelineShowsOthersAsExternalNodes) {
  auto c = funnel();
  std::string error;
  auto g = graph::buildGraph(*c->program, c->sources, {"sales"}, error);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->clusters.size(), 1u);
  ASSERT_EQ(g->externals.size(), 1u);
  EXPECT_EQ(g->externals[0].id, "service.start");
  EXPECT_FALSE(graph::buildGraph(*c->program, c->sources, {"nope"}, error));
  EXPECT_EQ(error, "there is no pipeline `nope`; the pipelines are `sales`, `service`");
}

TEST(Graph, RenderingsEscapeAndStyle) {
  auto c = testing::compile(R"(pipeline p { stage a "Этап \"А\"" { on enter { task "t" } } won lost })");
  std::string error;
  auto g = graph::buildGraph(*c->program, c->sources, {}, error);
  ASSERT_TRUE(g);
  std::string dot = graph::renderDot(*g);
  EXPECT_NE(dot.find(R"x("p.a" [label="Этап \"А\"\n(a)", peripheries=2];)x"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"x("p.won" [label="won", fillcolor="#d4edda")x"), std::string::npos) << dot;
  std::string mermaid = graph::renderMermaid(*g);
  EXPECT_NE(mermaid.find(R"x(["Этап #quot;А#quot;<br/>(a)"])x"), std::string::npos) << mermaid;
  EXPECT_NE(mermaid.find("class n1 initial"), std::string::npos) << mermaid;
}

}  // namespace
}  // namespace voronka
