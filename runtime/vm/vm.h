// The register VM: runs the functions of a verified module. Conditions and
// expressions return a value; action blocks hand each action to the host.
//
// The VM owns nothing of the deal: it reads through the Host (fields,
// built-ins, the event's payload) and performs actions through it. Texts it
// builds live in its scratch space until the outermost call returns.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "runtime/bytecode/module.h"
#include "runtime/calendar/calendar.h"

namespace voronka::vm {

class Host {
 public:
  virtual ~Host() = default;
  virtual bc::Value field(int32_t index) = 0;
  virtual bc::Value builtin(bc::BuiltinValue which) = 0;
  virtual bc::Value payload(int32_t index) = 0;
  virtual const Calendar& calendar() = 0;
  // `operands` are the action's dynamic operands (bc::dynamicOperands).
  virtual void act(const bc::ActionDesc& action, const bc::Value* operands) = 0;
  // Whether the deal falls in the first share of a split (deterministic).
  virtual bool splitFirst(const bc::ActionDesc& split) = 0;
};

class Vm {
 public:
  explicit Vm(const bc::Module& module);

  // Runs an expression function; the result's text (if any) stays valid
  // until the next outermost evaluate/run.
  bc::Value evaluate(int32_t function, Host& host);
  // Runs an action block.
  void run(int32_t function, Host& host);
  // A value as `{…}` in a text shows it (money groups digits by spaces).
  std::string text(const bc::Value& v, bool money, Host& host);

  const bc::Module& module() const { return module_; }
  // Instructions executed so far (for benchmarks and tests).
  uint64_t instructions() const { return instructions_; }

 private:
  bc::Value execute(const bc::Function& f, Host& host);
  std::string_view keep(std::string s);

  const bc::Module& module_;
  std::vector<bc::Value> constants_;
  std::deque<std::string> scratch_;
  int depth_ = 0;
  uint64_t instructions_ = 0;
};

// Value semantics shared with the engine (tests, payloads): equality and order
// with LANGUAGE.md's rules for `none`.
bool valuesEqual(const bc::Value& a, const bc::Value& b, const Calendar* calendar);
// -1, 0, 1; nullopt when the two cannot be ordered (a none, different kinds).
std::optional<int> compareValues(const bc::Value& a, const bc::Value& b, const Calendar* calendar);

}  // namespace voronka::vm
