// Scratch memory of the CPU conv code: 64-byte aligned, uninitialised, reused per thread (conv2d_scratch.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rk::cpu {

// Scratch memory for kernels: 64-byte aligned, uninitialised, freed on destruction. Not a template, and defined out
// of line, so that ISA-flagged files share no inline code with the others.
class ConvScratch {
public:
    explicit ConvScratch(size_t bytes);
    ~ConvScratch();
    ConvScratch(const ConvScratch&) = delete;
    ConvScratch& operator=(const ConvScratch&) = delete;
    float* floats() const { return static_cast<float*>(p_); }
    int64_t* ints() const { return static_cast<int64_t*>(p_); }

private:
    void* p_;
};

}  // namespace rk::cpu
