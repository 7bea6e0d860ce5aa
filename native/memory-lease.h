// A lease on native memory that one of this project's addons lends another:
// a JS External tagged kMemoryLeaseTag whose data starts with MemoryLease.
// The lender keeps the memory alive (the libtorch addon: a reference to the
// tensor) until the lease is released or collected. A borrower counts itself
// in `borrowers` while it reads or writes [data, data + bytes) from another
// thread; the lender refuses to release a lease with borrowers, and a
// released lease has data == nullptr and bytes == 0. Plain C++ with no
// libtorch type in it: both addons include it.
#pragma once

#include <node_api.h>

#include <atomic>
#include <cstddef>

namespace ct {

struct MemoryLease {
  void* data = nullptr;
  size_t bytes = 0;
  std::atomic<int> borrowers{0};
};

inline constexpr napi_type_tag kMemoryLeaseTag = {0x8f21c6d04a7e3b59ULL, 0xd35b09e8c1f2476aULL};

}  // namespace ct
