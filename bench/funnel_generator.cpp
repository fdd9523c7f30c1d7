#include "bench/funnel_generator.h"

#include <fmt/format.h>

namespace voronka::bench {

std::string generateFunnel(int seed, int targetLines) {
  std::string out;
  int lines = 0;
  auto line = [&](const std::string& s) {
    out += s;
    out += '\n';
    ++lines;
  };
  line(fmt::format("// generated benchmark program {}", seed));
  line("account \"Компания\" {");
  line("  timezone \"Europe/Moscow\"");
  line("  workhours mon..fri 09:00-13:00 14:00-19:00, sat 10:00-16:00");
  line("  holidays 2026-01-01..2026-01-08, 2026-05-01, 2026-05-09");
  line("  currency RUB");
  line("}");
  for (int f = 0; f < 12; ++f) line(fmt::format("field amount_{}: money \"Сумма {}\"", f, f));
  line("field source: enum { site \"Сайт\", call \"Звонок\", ads \"Реклама\", partner \"Партнёр\" } \"Источник\"");
  line("field meeting_at: datetime \"Дата встречи\"");
  line("field goal: text \"Цель\"");
  line("field survey_link: url \"Анкета\"");
  line("field vip: bool \"VIP\" = false");
  line("team sales \"Отдел продаж\" { ivanov \"Иван Иванов\", petrova \"Мария Петрова\", sidorov \"Пётр Сидоров\" }");
  line("event scored(passed: bool, score: number) \"Скоринг\"");
  line("form brief \"Бриф\" { fields goal, amount_0, meeting_at }");
  line("integration scoring \"Скоринг\" { url \"https://scoring.example.ru/check\" answers scored }");
  for (int t = 0; t < 10; ++t) {
    line(fmt::format("template email letter_{} \"Письмо {} для {{contact.name}}\" {{", t, t));
    line(fmt::format(
        "  body \"Здравствуйте, {{contact.name}}! Сумма {{amount_{}}} ₽, встреча {{meeting_at}}.\"",
        t % 12));
    line("}");
  }
  line("template message ping \"Напоминание\" { body \"{contact.name}, напоминаем о встрече\" }");

  int pipeline = 0;
  // Whole pipelines only: each is about 150 lines.
  while (lines < targetLines - 160) {
    line(fmt::format("pipeline sales_{} \"Продажи {}\" {{", pipeline, pipeline));
    line("  manual forward: deny");
    line("  triggers backward: allow");
    line("  on payment_received when amount >= amount_0 { note \"Оплата {amount} ₽\" }");
    const int stages = 8;
    for (int s = 0; s < stages; ++s) {
      std::string name = fmt::format("stage_{}", s);
      line(fmt::format("  stage {} \"Этап {}\"{} {{", name, s, s == 0 ? " initial" : s == 4 ? " key" : ""));
      if (s == 4) line("    require amount_0 > 0 and goal != \"\" \"Заполните сумму и цель\"");
      line("    on enter {");
      line(fmt::format("      task call \"Позвонить {{contact.name}} по этапу {}\" due 1d within workhours", s));
      line(fmt::format("      email letter_{}", s % 10));
      line("      if source == ads and amount_1 > 100_000 { tag + \"крупный\" assign round_robin(sales) }");
      line("    }");
      line("    on enter from stage_0 once when source in [site, partner] { note \"Пришёл с сайта\" }");
      if (s + 1 < stages)
        line(
            fmt::format("    on email_opened(letter_{}) when amount_2 + amount_3 > 50_000 -> stage_{}", s % 10, s + 1));
      line("    after 3d unless link_clicked {");
      line("      task \"Клиент молчит три дня — связаться\" due 4h");
      line("      then after 2d { message ping within workhours }");
      line("    }");
      line("    after 1d at 10:00 within workhours { message ping }");
      line("    at meeting_at - 1d { task meeting \"Встреча с {contact.name} завтра\" }");
      line("    every 1d while overdue_tasks > 0 { notify responsible \"Просрочены задачи по {deal.name}\" }");
      line("    on scored when passed and score >= 0.7 { set vip = true }");
      line("    on leave { complete tasks overdue comment \"Этап пройден\" }");
      line("  }");
    }
    line(
        "  won \"Успешно\" { on enter { webhook \"https://hooks.example.ru/won\" with { id: deal.id, sum: amount_0 } } }");
    line(
        "  lost \"Не реализовано\" reasons { \"Дорого\", \"Конкурент\", \"Сроки\", \"Нет модели\", \"Не целевой\", other \"Другое\" }");
    line("}");
    ++pipeline;
  }
  line(fmt::format("test \"сделка проходит первый этап {}\" {{", seed));
  line("  deal d in sales_0.stage_0 { amount_0 = 50_000, contact.name = \"Анна\", source = ads }");
  line("  expect task call \"Позвонить Анна по этапу 0\"");
  line("  event email_opened(letter_0)");
  line("  advance 3d");
  line("  expect stage stage_1");
  line("}");
  return out;
}

}  // namespace voronka::bench
