// A lease on native memory that one of this project's addons lends another:
// a JS External tagged kMemoryLeaseTag whose data starts with MemoryLease.
// The lender's finalizer frees the lease and whatever keeps the memory alive
// (for the libtorch addon: a reference to the tensor), so a borrower that
// holds a reference to the External may read and write [data, data + bytes)
// from any thread until it lets go. Plain C++ with no libtorch type in it:
// both addons include it.
#pragma once

#include <node_api.h>

#include <cstddef>

namespace ct {

struct MemoryLease {
  void* data;
  size_t bytes;
};

inline constexpr napi_type_tag kMemoryLeaseTag = {0x8f21c6d04a7e3b59ULL, 0xd35b09e8c1f2476aULL};

}  // namespace ct
