#include "compiler/graph/words.h"

namespace voronka::graph {
namespace {

using check::NameKind;

// ───────────────────────────── Русский ───────────────────────────────────

constexpr EventPhrase kEventsRu[] = {
    {"enter", "при входе", "при входе"},
    {"create", "при создании сделки", "при создании сделки"},
    {"leave", "при выходе с этапа", "при выходе с этапа"},
    {"email_opened", "открыто письмо {}", "открыто письмо"},
    {"link_clicked", "переход по ссылке из {}", "переход по ссылке"},
    {"email_received", "письмо от клиента", "письмо от клиента"},
    {"call_incoming", "входящий звонок", "входящий звонок"},
    {"call_missed", "пропущенный звонок", "пропущенный звонок"},
    {"call_outgoing", "исходящий звонок", "исходящий звонок"},
    {"form_submitted", "заполнена анкета {}", "заполнена анкета"},
    {"chat_message", "сообщение в {}", "сообщение в чате"},
    {"task_completed", "выполнена задача {}", "выполнена задача"},
    {"task_overdue", "просрочена задача {}", "просрочена задача"},
    {"payment_received", "получена оплата", "получена оплата"},
    {"field_changed", "изменено поле {}", "изменено поле"},
    {"responsible_changed", "сменился ответственный", "сменился ответственный"},
    {"tag_added", "добавлен тег {}", "добавлен тег"},
    {"tag_removed", "снят тег {}", "снят тег"},
    {"manual_move", "сделку переместили вручную", "сделку переместили вручную"},
    {"move_rejected", "перевод на этап отклонён", "перевод на этап отклонён"},
};

constexpr ActionNoun kActionsRu[] = {
    {"task", "задача"},
    {"complete tasks", "закрыть задачи"},
    {"email", "письмо"},
    {"message", "сообщение"},
    {"sms", "SMS"},
    {"webhook", "вебхук"},
    {"request", "запрос"},
    {"analytics", "аналитика"},
    {"tag", "тег"},
    {"set", "записать"},
    {"assign", "назначить"},
    {"create deal", "новая сделка"},
    {"questionnaire", "анкета"},
    {"note", "примечание"},
    {"notify", "уведомление"},
};

constexpr BuiltinName kBuiltinsRu[] = {
    {NameKind::Now, "сейчас"},
    {NameKind::Today, "сегодня"},
    {NameKind::TimeInStage, "время на этапе"},
    {NameKind::OverdueTasks, "просроченных задач"},
    {NameKind::OpenTasks, "открытых задач"},
    {NameKind::DealName, "название сделки"},
    {NameKind::DealId, "номер сделки"},
    {NameKind::DealCreatedAt, "дата создания сделки"},
    {NameKind::DealResponsible, "ответственный"},
    {NameKind::DealTags, "теги"},
    {NameKind::ContactName, "имя контакта"},
    {NameKind::ContactEmail, "email контакта"},
    {NameKind::ContactPhone, "телефон контакта"},
    {NameKind::CompanyName, "компания"},
};

constexpr TaskTypeTitle kTaskTypesRu[] = {{"call", "Звонок"}, {"meeting", "Встреча"}, {"email", "Письмо"}};

constexpr Words kRussian{
    .quoteOpen = "«",
    .quoteClose = "»",
    .keyStage = "ключевой этап",
    .anyStage = "на любом этапе",
    .byHand = "вручную",
    .newDeal = "новая сделка",
    .nextStage = "следующий этап",
    .onEnterHeading = "При входе:",
    .timersHeading = "По времени:",
    .eventsHeading = "По событиям:",
    .policies = "вручную: {}; триггеры: {}",
    .forwardAndBack = "вперёд и назад",
    .forwardOnly = "только вперёд",
    .backOnly = "только назад",
    .nowhere = "нельзя",
    .atOnce = "сразу",
    .after = "через {}",
    .atTimeOfDay = " в {}",
    .atMoment = "в момент: {}",
    .every = "каждые {}",
    .whileCond = ", пока {}",
    .unless = "(отменяет: {})",
    .withinWorkhours = "в рабочее время",
    .once = "один раз",
    .fromStage = "из {}",
    .when = "если {}",
    .thenAfter = "затем через {}",
    .splitShare = "{}% сделок",
    .splitRest = "остальные {}%",
    .lose = "проигрыш {}",
    .due = "срок {}",
    .dueAt = "к {}",
    .via = "через {}",
    .roundRobin = "по очереди из {}",
    .leastBusy = "наименее загруженному из {}",
    .responsible = "ответственному",
    .tagAdd = "+ {}",
    .tagRemove = "− {}",
    .minutes = {"мин", "мин"},
    .hours = {"ч", "ч"},
    .days = {"дн.", "дн."},
    .weeks = {"нед.", "нед."},
    .workdays = {"раб. дн.", "раб. дн."},
    .andWord = "и",
    .orWord = "или",
    .notWord = "не",
    .oneOf = "одно из",
    .noneOf = "ни одно из",
    .has = "содержит",
    .isEmpty = "не заполнено",
    .isSet = "заполнено",
    .yes = "да",
    .no = "нет",
    .empty = "пусто",
    .events = kEventsRu,
    .actions = kActionsRu,
    .builtins = kBuiltinsRu,
    .taskTypes = kTaskTypesRu,
};

// ───────────────────────────── English ───────────────────────────────────

constexpr EventPhrase kEventsEn[] = {
    {"enter", "on entry", "on entry"},
    {"create", "when the deal is created", "when the deal is created"},
    {"leave", "on leaving the stage", "on leaving the stage"},
    {"email_opened", "letter {} opened", "letter opened"},
    {"link_clicked", "link in {} clicked", "link clicked"},
    {"email_received", "email from the client", "email from the client"},
    {"call_incoming", "incoming call", "incoming call"},
    {"call_missed", "missed call", "missed call"},
    {"call_outgoing", "outgoing call", "outgoing call"},
    {"form_submitted", "form {} submitted", "form submitted"},
    {"chat_message", "message in {}", "chat message"},
    {"task_completed", "task {} done", "task done"},
    {"task_overdue", "task {} overdue", "task overdue"},
    {"payment_received", "payment received", "payment received"},
    {"field_changed", "{} changed", "a field changed"},
    {"responsible_changed", "responsible changed", "responsible changed"},
    {"tag_added", "tag {} added", "tag added"},
    {"tag_removed", "tag {} removed", "tag removed"},
    {"manual_move", "moved by hand", "moved by hand"},
    {"move_rejected", "a move was refused", "a move was refused"},
};

constexpr ActionNoun kActionsEn[] = {
    {"task", "task"},
    {"complete tasks", "complete tasks"},
    {"email", "letter"},
    {"message", "message"},
    {"sms", "SMS"},
    {"webhook", "webhook"},
    {"request", "request"},
    {"analytics", "analytics"},
    {"tag", "tag"},
    {"set", "set"},
    {"assign", "assign"},
    {"create deal", "new deal"},
    {"questionnaire", "form"},
    {"note", "note"},
    {"notify", "notify"},
};

constexpr BuiltinName kBuiltinsEn[] = {
    {NameKind::Now, "now"},
    {NameKind::Today, "today"},
    {NameKind::TimeInStage, "time in stage"},
    {NameKind::OverdueTasks, "overdue tasks"},
    {NameKind::OpenTasks, "open tasks"},
    {NameKind::DealName, "deal name"},
    {NameKind::DealId, "deal number"},
    {NameKind::DealCreatedAt, "deal created"},
    {NameKind::DealResponsible, "responsible"},
    {NameKind::DealTags, "tags"},
    {NameKind::ContactName, "contact's name"},
    {NameKind::ContactEmail, "contact's email"},
    {NameKind::ContactPhone, "contact's phone"},
    {NameKind::CompanyName, "company"},
};

constexpr TaskTypeTitle kTaskTypesEn[] = {{"call", "Call"}, {"meeting", "Meeting"}, {"email", "Email"}};

constexpr Words kEnglish{
    .quoteOpen = "“",
    .quoteClose = "”",
    .keyStage = "key stage",
    .anyStage = "any stage",
    .byHand = "by hand",
    .newDeal = "new deal",
    .nextStage = "the next stage",
    .onEnterHeading = "On entry:",
    .timersHeading = "On time:",
    .eventsHeading = "On events:",
    .policies = "by hand: {}; triggers: {}",
    .forwardAndBack = "forward and back",
    .forwardOnly = "forward only",
    .backOnly = "back only",
    .nowhere = "none",
    .atOnce = "at once",
    .after = "after {}",
    .atTimeOfDay = " at {}",
    .atMoment = "at {}",
    .every = "every {}",
    .whileCond = " while {}",
    .unless = "(cancelled by: {})",
    .withinWorkhours = "in working hours",
    .once = "once",
    .fromStage = "from {}",
    .when = "if {}",
    .thenAfter = "then after {}",
    .splitShare = "{}% of deals",
    .splitRest = "the other {}%",
    .lose = "lost {}",
    .due = "due in {}",
    .dueAt = "due {}",
    .via = "via {}",
    .roundRobin = "in turn from {}",
    .leastBusy = "least busy of {}",
    .responsible = "the responsible",
    .tagAdd = "+ {}",
    .tagRemove = "− {}",
    .minutes = {"min", "min"},
    .hours = {"hour", "hours"},
    .days = {"day", "days"},
    .weeks = {"week", "weeks"},
    .workdays = {"workday", "workdays"},
    .andWord = "and",
    .orWord = "or",
    .notWord = "not",
    .oneOf = "is one of",
    .noneOf = "is none of",
    .has = "has",
    .isEmpty = "is empty",
    .isSet = "is set",
    .yes = "yes",
    .no = "no",
    .empty = "empty",
    .events = kEventsEn,
    .actions = kActionsEn,
    .builtins = kBuiltinsEn,
    .taskTypes = kTaskTypesEn,
};

}  // namespace

const EventPhrase* Words::event(std::string_view name) const {
  for (const EventPhrase& e : events) {
    if (e.event == name) return &e;
  }
  return nullptr;
}

std::string_view Words::noun(std::string_view keyword) const {
  for (const ActionNoun& a : actions) {
    if (a.keyword == keyword) return a.noun;
  }
  return keyword;
}

const std::string_view* Words::builtin(check::NameKind kind) const {
  for (const BuiltinName& b : builtins) {
    if (b.kind == kind) return &b.phrase;
  }
  return nullptr;
}

const std::string_view* Words::taskType(std::string_view type) const {
  for (const TaskTypeTitle& t : taskTypes) {
    if (t.type == type) return &t.title;
  }
  return nullptr;
}

const Words& wordsFor(lang::Language language) {
  switch (language) {
    case lang::Language::Ru: return kRussian;
    case lang::Language::En: return kEnglish;
  }
  return kRussian;
}

}  // namespace voronka::graph
