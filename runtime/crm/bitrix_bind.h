// `voronka crm bind`: subscribes a Bitrix24 app to what `voronka serve
// --crm` takes — the deal events (online to the handler, or offline into the
// portal's queue with ONOFFLINEEVENT as the hint) — and installs the
// "Воронка" robot (bizproc.robot.add), so a consultant can drop it into a
// stage. Bitrix24 allows these methods to an app (OAuth) only. Running it
// again changes nothing: what is there already is reported as such.
#pragma once

#include <string>
#include <vector>

#include "runtime/crm/crm_api.h"

namespace voronka::crm {

struct BindOptions {
  std::string handler;  // https://HOST/v1/crm/bitrix24/SECRET
  bool offline = false;
  bool robot = true;
  std::string robotUser;  // AUTH_USER_ID of the robot: whose rights it runs with
};

struct BindStep {
  std::string what;  // "event.bind ONCRMDEALADD (offline)"
  bool ok = true;
  std::string note;  // "bound", "already bound", or the error
};

std::vector<BindStep> bindBitrix(CrmApi& api, const BindOptions& options);

}  // namespace voronka::crm
