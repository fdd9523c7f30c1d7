// The signals `voronka serve` waits for on its main thread: blocked before
// any other thread starts, so that every thread inherits the mask and only
// sigwait receives them.
#pragma once

#include <signal.h>

#include <initializer_list>

namespace voronka::server {

// Blocks SIGTERM, SIGINT and `more` (SIGHUP for --tenants); returns the set to sigwait on.
sigset_t blockServeSignals(std::initializer_list<int> more = {});

// Waits for one of `signals`; returns which.
int waitForServeSignal(const sigset_t& signals);

// "SIGTERM" or "SIGINT", as the stopping line shows it.
const char* stopSignalName(int signal);

}  // namespace voronka::server
