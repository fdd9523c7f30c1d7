// `voronka check --crm crm.toml`: the mapping against the checked program.
// Every name of crm.toml the funnel lacks is reported at its place in
// crm.toml; every stage of a mapped pipeline without a status, every enum
// member without a value, and every field whose CRM type cannot hold the
// funnel's values at its declaration in the funnel. Pipelines, fields,
// users and task types left unmapped are warnings: they stay in Voronka.
#pragma once

#include <string>
#include <vector>

#include "compiler/check/program.h"
#include "compiler/source/source.h"

namespace voronka::tool {

struct CrmProblem {
  bool error = true;
  std::string text;  // "FILE:LINE:COL: error: … [crm-…]"
};

std::vector<CrmProblem> checkCrmMapping(const std::string& crmToml, const check::CheckedProgram& program,
                                        const SourceManager& sources);

}  // namespace voronka::tool
