// Readers for the reference vector files in tests/data/rng (copied from the project's shared data;
// their headers say where each vector comes from).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rk::test {

struct PhiloxKat {
    int rounds;
    uint32_t counter[4];
    uint32_t key[2];
    uint32_t expected[4];
};

// Every philox4x32 line of philox_kat.txt.
std::vector<PhiloxKat> load_philox4x32_kats();

// One record of curand_philox_ref.txt: its type and the hex fields, "|" separators removed.
struct CurandRecord {
    std::string type;  // INIT, C4, SKIP, SKIPSEQ, UCONV
    std::vector<uint64_t> fields;
    std::string line;
};
std::vector<CurandRecord> load_curand_records();

}  // namespace rk::test
