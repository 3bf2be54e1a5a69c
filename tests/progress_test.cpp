#include <gtest/gtest.h>

#include <atomic>

#include "core/progress.h"
#include "core/wait.h"

using namespace mirrorgate;

TEST(Progress, FormatsBytesInDecimalUnits) {
  EXPECT_EQ(format_bytes(512), "0.5 kB");
  EXPECT_EQ(format_bytes(42'100'000), "42.1 MB");
  EXPECT_EQ(format_bytes(1'500'000'000), "1.5 GB");
}

TEST(Progress, LineNamesTheStepAndTheBytesSoFar) {
  std::atomic<std::uint64_t> done{0};
  Progress p("kind-worker  docker.io/library/mongo:7", [&] { return done.load(); }, 100'000'000,
             {.terminal = false});
  done = 42'100'000;
  auto line = p.line();
  EXPECT_NE(line.find("kind-worker  docker.io/library/mongo:7  42.1 MB / 100.0 MB"), std::string::npos) << line;
}

TEST(Progress, PlainLinesInLogsAtTheChosenInterval) {
  std::atomic<int> asked{0};
  testing::internal::CaptureStderr();
  {
    Progress p("prewarm", [&] { ++asked; return std::uint64_t{2'000'000}; }, 0,
               {.plain_every = std::chrono::milliseconds(20), .terminal = false});
    // Each printed line asks for the bytes once: wait for two lines.
    EXPECT_TRUE(wait_for([&](std::string&) { return asked >= 2; }, std::chrono::seconds(10)));
  }
  auto err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("  ... prewarm  2.0 MB"), std::string::npos) << err;
  EXPECT_EQ(err.find('\r'), std::string::npos) << "no terminal control characters in a log";
}
