// Ctrl-C and SIGTERM during long steps (bring-up, hub seeding, cluster
// creation): the first one asks the step to stop at its next check and tear
// down what it made; a second one exits at once (teardown then falls to
// `mirrorgate down`).
#pragma once

#include <string>

namespace mirrorgate {

// Installs the handlers; call once from main before a long step.
void install_interrupt_handlers();

bool interrupt_requested();

// Throws Interrupted naming the step when an interrupt arrived.
void throw_if_interrupted(const std::string& step);

}  // namespace mirrorgate
