// Steps that do not depend on each other, each on a thread of its own: the
// nodes of a cluster checked or pulling at the same time.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace mirrorgate {

// Runs `step(i)` for i = 0 … n-1, each in a thread of its own, and returns
// when all are done: what each threw, empty where it returned.
inline std::vector<std::string> errors_of_each_at_once(size_t n, const std::function<void(size_t)>& step) {
  std::vector<std::string> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        step(i);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return errors;
}

}  // namespace mirrorgate
