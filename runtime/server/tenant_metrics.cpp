#include "runtime/server/tenant_metrics.h"

#include <map>
#include <sstream>

namespace voronka::server {

std::string withTenantLabel(const std::string& sample, const std::string& tenant) {
  // Tenant ids are [a-z0-9_-]: nothing to escape.
  std::string label = "tenant=\"" + tenant + "\"";
  size_t brace = sample.find('{');
  size_t space = sample.find(' ');
  if (brace != std::string::npos && (space == std::string::npos || brace < space)) {
    bool empty = brace + 1 < sample.size() && sample[brace + 1] == '}';
    return sample.substr(0, brace + 1) + label + (empty ? "" : ",") + sample.substr(brace + 1);
  }
  if (space == std::string::npos) return sample;
  return sample.substr(0, space) + "{" + label + "}" + sample.substr(space);
}

std::string mergeTenantMetrics(const std::vector<std::pair<std::string, std::string>>& texts) {
  struct Family {
    std::string header;   // its # HELP and # TYPE lines
    std::string samples;  // every tenant's
  };
  std::vector<std::string> order;
  std::map<std::string, Family> families;
  for (const auto& [tenant, text] : texts) {
    std::istringstream in(text);
    std::string line;
    std::string current;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
        std::string name = line.substr(7, line.find(' ', 7) - 7);
        if (!families.count(name)) order.push_back(name);
        Family& f = families[name];
        current = name;
        // The first tenant's header lines stand for every tenant's.
        if (f.samples.empty() && f.header.find(line.substr(0, 7)) == std::string::npos) f.header += line + "\n";
        continue;
      }
      if (line[0] == '#') continue;
      if (current.empty()) {
        current = line.substr(0, line.find_first_of("{ "));
        if (!families.count(current)) order.push_back(current);
      }
      families[current].samples += withTenantLabel(line, tenant) + "\n";
    }
  }
  std::string out;
  for (const auto& name : order) out += families[name].header + families[name].samples;
  return out;
}

}  // namespace voronka::server
