#include "runtime/engine/manager_texts.h"

namespace voronka::engine {

std::string_view managerTextPattern(ManagerText text, lang::Language language) {
  switch (text) {
#define TEXT(Id, ru, en) \
  case ManagerText::Id:  \
    return language == lang::Language::En ? std::string_view(en) : std::string_view(ru);
#include "runtime/engine/manager_texts.def"
#undef TEXT
  }
  return {};
}

}  // namespace voronka::engine
