#include "bench/furniture_events.h"

#include <stdexcept>

#include "compiler/driver/compilation.h"
#include "compiler/lower/lower.h"

namespace voronka::bench {

std::filesystem::path sourceDir() { return VORONKA_SOURCE_DIR; }

bc::Module compileFunnelFile(const std::filesystem::path& path) {
  driver::CompileOptions options;
  options.stdlibDir = sourceDir() / "stdlib";
  options.lint = false;
  driver::Compilation c(options);
  std::string error;
  auto root = c.loadRoot(path, error);
  if (!root) throw std::runtime_error(error);
  auto program = c.check(c.collect(*root));
  if (!program || c.diagnostics().errorCount() > 0)
    throw std::runtime_error("the benchmark's funnel has errors: " + path.string());
  return lower::lowerProgram(*program, c.sources());
}

std::vector<nlohmann::json> furnitureLife(const std::string& deal) {
  auto ev = [&](const std::string& id, nlohmann::json e) {
    e["id"] = deal + "-" + id;
    e["deal"] = deal;
    return e;
  };
  return {
      ev("create", {{"type", "deal_created"},
                    {"pipeline", "retail"},
                    {"fields", {{"source", "ads"}}},
                    {"contact", {{"name", "Вера"}}}}),
      ev("accept", {{"type", "manual_move"}, {"stage", "collect"}}),
      ev("form", {{"type", "form_submitted"},
                  {"arg", "buyer_form"},
                  {"payload", {{"goal", "диван"}, {"budget", 90000}, {"purchase_type", "stock"}}}}),
      ev("open", {{"type", "email_opened"}, {"arg", "price_segments"}}),
      ev("click", {{"type", "link_clicked"}, {"arg", "price_segments"}}),
      ev("drive", {{"type", "field_set"}, {"fields", {{"test_drive_at", "2026-11-27T15:00"}}}}),
      ev("contract", {{"type", "manual_move"}, {"stage", "contract"}}),
      ev("signed", {{"type", "field_set"}, {"fields", {{"contract_signed", true}}}}),
      ev("pay", {{"type", "payment_received"}, {"payload", {{"amount", 90000}}}}),
      ev("delivered", {{"type", "field_set"}, {"fields", {{"delivered", true}}}}),
      ev("feedback", {{"type", "form_submitted"}, {"arg", "feedback_form"}, {"payload", {{"rating", 5}}}}),
  };
}

}  // namespace voronka::bench
