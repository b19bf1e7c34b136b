// thread_priority.cpp - switch the calling thread between SCHED_RR 1 and SCHED_OTHER.
#include "server/service/thread_priority.h"

#include <sched.h>

#include <cerrno>
#include <cstring>

bool raise_thread_to_realtime(std::string& error) {
    sched_param param{};
    param.sched_priority = 1;
    // pid 0: on Linux the calling thread only, not the whole process.
    if (::sched_setscheduler(0, SCHED_RR, &param) == 0) return true;
    error = std::strerror(errno);
    return false;
}

void lower_thread_to_normal() {
    if (::sched_getscheduler(0) == SCHED_OTHER) return;
    sched_param param{};
    ::sched_setscheduler(0, SCHED_OTHER, &param);
}
