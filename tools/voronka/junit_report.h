// `voronka test --junit`: the results as JUnit XML that the strict consumers
// accept — the Jenkins xunit plugin (junit-10.xsd) and Apache Ant's schema —
// as well as GitHub's and GitLab's report readers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace voronka::tool {

struct JUnitCase {
  enum class Outcome { Passed, Failed, Error };
  std::string name;
  double seconds = 0;
  Outcome outcome = Outcome::Passed;
  std::string message;  // the <failure>/<error> message attribute: the first problem, and how many more
  std::string type;     // `expect` for a failed expectation, `check` for a file that does not check
  std::string text;     // every problem, one `file:line:col: …` each, with its context
  std::string file;     // where the first problem is (for --junit-locations)
  uint32_t line = 0;
};

struct JUnitSuite {
  std::string name;  // the test file, as given
  std::vector<JUnitCase> cases;
};

struct JUnitOptions {
  bool locations = false;  // `file` and `line` on each test case (not in the strict schemas)
  std::string timestamp;   // YYYY-MM-DDTHH:MM:SS, UTC, no zone (Ant's pattern)
  std::string hostname;
  std::string version;  // voronka's, as a property
};

std::string renderJUnit(const std::vector<JUnitSuite>& suites, const JUnitOptions& options);

// The current time as JUnit's timestamp, and this machine's name ("localhost" if unknown).
std::string junitTimestamp();
std::string junitHostname();

}  // namespace voronka::tool
