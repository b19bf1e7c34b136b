// pmt_rules.h - applies a ProgramSelection's strip rules to one PMT section: which elementary streams
// stay, and the PMT without the others. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/ts/program_selection.h"

struct PmtPlan {
    std::vector<uint16_t> kept_pids;     // elementary stream PIDs that stay
    std::vector<uint16_t> removed_pids;  // elementary stream PIDs the rules removed
    std::vector<uint16_t> ca_pids;       // ECM PIDs of the CA_descriptors of the program and its kept streams
    uint16_t pcr_pid = 0x1FFF;
    // The section to send, CRC_32 included: the source's bytes when nothing was removed; else
    // rebuilt without the removed streams, with version_number `version` and a new CRC_32.
    std::vector<uint8_t> section;
};

// `section` is an intact program_map_section (table_id 0x02, CRC_32 checked); nullopt when its
// lengths run past its end. `version` is used only when streams were removed.
std::optional<PmtPlan> plan_pmt(const std::vector<uint8_t>& section, const ProgramSelection& selection, uint8_t version);
