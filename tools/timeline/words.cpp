#include "tools/timeline/words.h"

#include <fmt/format.h>

namespace voronka::timeline {

namespace {

constexpr Words kRussian{
    .timesIn = "Время — {}",
    .deal = "Сделка {}",
    .created = "создана: {}",
    .createdFrom = "создана из сделки {}",
    .event = "событие {}",
    .field = "поле {} = {}",
    .moved = "этап: {} → {} ({})",
    .lostReason = ", причина «{}»",
    .refused = "переход в {} не сделан: {} (строка {})",
    .howTrigger = "по событию",
    .howAutomatic = "автоматически",
    .howManual = "вручную",
    .task = "задача «{}»",
    .taskType = " ({})",
    .taskDue = ", срок {}",
    .taskFor = ", исполнитель {}",
    .taskDone = "задача выполнена: «{}»",
    .taskOverdue = "задача просрочена: «{}»",
    .timerSet = "таймер на {} (строка {})",
    .timerFired = "сработал таймер (строка {})",
    .timerCancelled = "таймер отменён: {}",
    .timerIdle = "таймер сработал и ничего не сделал: {} (строка {})",
    .timerStopped = "повтор остановлен: {} (строка {})",
    .timerLate = "таймер опоздал на {} с",
    .whenFalse = "условие `when` не выполнено",
    .whileFalse = "условие `while` не выполнено",
    .fieldChanged = "изменилось поле, от которого он отсчитан",
    .email = "письмо",
    .message = "сообщение",
    .sms = "SMS",
    .webhook = "вебхук",
    .request = "запрос",
    .analytics = "аналитика",
    .notify = "уведомление",
    .quoted = "«{}»",
    .goesOutAt = ", уйдёт {}",
    .undeliverable = " — не будет доставлено: {}",
    .note = "заметка «{}»",
    .tagAdded = "тег + «{}»",
    .tagRemoved = "тег − «{}»",
    .responsible = "ответственный: {}",
    .failed = "событие {} не применено: {}",
    .outcome = "событие {}: {} — {}",
    .rejected = "отклонено",
    .duplicate = "уже было",
    .invalid = "ошибка в событии",
    .unknownDeal = "нет такой сделки",
    .failedStatus = "не выполнено",
    .nothing = "Ни одна сделка не изменилась.",
};

constexpr Words kEnglish{
    .timesIn = "Times in {}",
    .deal = "Deal {}",
    .created = "created in {}",
    .createdFrom = "created from deal {}",
    .event = "event {}",
    .field = "field {} = {}",
    .moved = "stage: {} → {} ({})",
    .lostReason = ", reason \"{}\"",
    .refused = "move to {} refused: {} (line {})",
    .howTrigger = "by an event",
    .howAutomatic = "automatic",
    .howManual = "by hand",
    .task = "task \"{}\"",
    .taskType = " ({})",
    .taskDue = ", due {}",
    .taskFor = ", for {}",
    .taskDone = "task done: \"{}\"",
    .taskOverdue = "task overdue: \"{}\"",
    .timerSet = "timer set for {} (line {})",
    .timerFired = "timer fired (line {})",
    .timerCancelled = "timer cancelled: {}",
    .timerIdle = "timer fired and did nothing: {} (line {})",
    .timerStopped = "repeat stopped: {} (line {})",
    .timerLate = "timer {} s late",
    .whenFalse = "its `when` is false",
    .whileFalse = "its `while` is false",
    .fieldChanged = "the field it counts from changed",
    .email = "email",
    .message = "message",
    .sms = "SMS",
    .webhook = "webhook",
    .request = "request",
    .analytics = "analytics",
    .notify = "notification",
    .quoted = "\"{}\"",
    .goesOutAt = ", goes out {}",
    .undeliverable = " — will not be delivered: {}",
    .note = "note \"{}\"",
    .tagAdded = "tag + \"{}\"",
    .tagRemoved = "tag − \"{}\"",
    .responsible = "responsible: {}",
    .failed = "event {} failed: {}",
    .outcome = "event {}: {} — {}",
    .rejected = "rejected",
    .duplicate = "duplicate",
    .invalid = "invalid",
    .unknownDeal = "unknown deal",
    .failedStatus = "failed",
    .nothing = "No deal changed.",
};

}  // namespace

const Words& words(lang::Language language) {
  switch (language) {
    case lang::Language::En: return kEnglish;
    case lang::Language::Ru: return kRussian;
  }
  return kRussian;
}

std::string localTime(int64_t utc, const Calendar& calendar, lang::Language language) {
  if (language == lang::Language::Ru) return calendar.formatDateTime(utc);
  auto [year, month, day] = Calendar::civil(calendar.localDay(utc));
  int minutes = calendar.localMinutes(utc);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", year, month, day, minutes / 60, minutes % 60);
}

}  // namespace voronka::timeline
