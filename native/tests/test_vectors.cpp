#include "test_vectors.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rk::test {
namespace {

std::ifstream open_data(const std::string& name) {
    const std::string path = std::string(RK_TEST_DATA_DIR) + "/rng/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open test vector file " + path);
    return in;
}

uint64_t hex(const std::string& s) { return std::stoull(s, nullptr, 16); }

}  // namespace

std::vector<PhiloxKat> load_philox4x32_kats() {
    std::ifstream in = open_data("philox_kat.txt");
    std::vector<PhiloxKat> out;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ss(line);
        std::string name;
        if (!(ss >> name) || name != "philox4x32") continue;
        PhiloxKat k{};
        std::string w;
        ss >> k.rounds;
        for (auto& c : k.counter) { ss >> w; c = static_cast<uint32_t>(hex(w)); }
        for (auto& c : k.key) { ss >> w; c = static_cast<uint32_t>(hex(w)); }
        for (auto& c : k.expected) { ss >> w; c = static_cast<uint32_t>(hex(w)); }
        if (!ss) throw std::runtime_error("malformed KAT line: " + line);
        out.push_back(k);
    }
    return out;
}

std::vector<CurandRecord> load_curand_records() {
    std::ifstream in = open_data("curand_philox_ref.txt");
    std::vector<CurandRecord> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ss(line);
        CurandRecord r;
        r.line = line;
        ss >> r.type;
        std::string tok;
        while (ss >> tok) {
            if (tok == "|" || tok == "STATE" || tok == "U32" || tok == "UNI") continue;
            r.fields.push_back(hex(tok));
        }
        out.push_back(r);
    }
    return out;
}

}  // namespace rk::test
