# File tests of the compiler: each .funnel file here carries its own
#   // RUN: not voronka check %s 2>&1 | FileCheck %s
# and the CHECK lines that must appear in the output. Files named fail_<id>
# must produce the diagnostic <id>; Inputs/ holds files used by other tests.
import os
import lit.formats

config.name = "voronka"
config.test_format = lit.formats.ShTest(True)
config.suffixes = [".funnel"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.voronka_bin_dir, "..", "tests", "lit-out")

path = os.pathsep.join([config.voronka_bin_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path
config.environment["VORONKA_STDLIB"] = config.stdlib_dir
config.environment["LANG"] = "C.UTF-8"
config.substitutions.append(("%stdlib", config.stdlib_dir))
