#include "tools/voronka/junit_report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <ctime>

namespace voronka::tool {
namespace {

std::string xmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\n': out += "&#10;"; break;
      default:
        // Control characters other than tab are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') continue;
        out += c;
    }
  }
  return out;
}

// Element text keeps its line breaks.
std::string textEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += '\n';
      continue;
    }
    out += xmlEscape(std::string_view(&c, 1));
  }
  return out;
}

}  // namespace

std::string junitTimestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  return buffer;
}

std::string junitHostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::string renderJUnit(const std::vector<JUnitSuite>& suites, const JUnitOptions& options) {
  // <testsuites> without attributes: Ant's schema declares none (the totals are per suite).
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (size_t id = 0; id < suites.size(); ++id) {
    const JUnitSuite& suite = suites[id];
    size_t failures = 0, errors = 0;
    double seconds = 0;
    for (const auto& c : suite.cases) {
      failures += c.outcome == JUnitCase::Outcome::Failed;
      errors += c.outcome == JUnitCase::Outcome::Error;
      seconds += c.seconds;
    }
    std::string name = xmlEscape(suite.name);
    out += fmt::format(
        "  <testsuite name=\"{}\" package=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" "
        "time=\"{:.3f}\" timestamp=\"{}\" hostname=\"{}\">\n",
        name, name, id, suite.cases.size(), failures, errors, seconds, options.timestamp, xmlEscape(options.hostname));
    out += fmt::format("    <properties>\n      <property name=\"voronka.version\" value=\"{}\"/>\n    </properties>\n",
                       xmlEscape(options.version));
    for (const auto& c : suite.cases) {
      out +=
          fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\"", xmlEscape(c.name), name, c.seconds);
      if (options.locations && !c.file.empty())
        out += fmt::format(" file=\"{}\" line=\"{}\"", xmlEscape(c.file), c.line);
      if (c.outcome == JUnitCase::Outcome::Passed) {
        out += "/>\n";
        continue;
      }
      // One <failure> (or <error>) per test case: Ant allows no more.
      const char* tag = c.outcome == JUnitCase::Outcome::Failed ? "failure" : "error";
      out += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">{}</{}>\n    </testcase>\n", tag,
                         xmlEscape(c.message), xmlEscape(c.type), textEscape(c.text), tag);
    }
    out += "    <system-out/>\n    <system-err/>\n  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

}  // namespace voronka::tool
