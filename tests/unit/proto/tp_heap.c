/* tp_heap: an operator's malloc thresholds in GLIBC_TUNABLES are left in force. */
#include "tp_heap.h"

#include "check.h"

static void an_operators_threshold_is_seen_among_other_tunables(void)
{
    CHECK(tp_heap_tuned_by_operator("glibc.malloc.trim_threshold=4194304"));
    CHECK(tp_heap_tuned_by_operator("glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536"));
    CHECK(tp_heap_tuned_by_operator("glibc.malloc.mmap_threshold=1:glibc.malloc.arena_max=2"));
}

static void other_tunables_and_none_leave_the_thresholds_to_us(void)
{
    CHECK(!tp_heap_tuned_by_operator(NULL));
    CHECK(!tp_heap_tuned_by_operator(""));
    CHECK(!tp_heap_tuned_by_operator("glibc.malloc.arena_max=2"));
    CHECK(!tp_heap_tuned_by_operator("glibc.malloc.trim_threshold_x=1"));
    CHECK(!tp_heap_tuned_by_operator("x.glibc.malloc.trim_threshold=1"));
    CHECK(!tp_heap_tuned_by_operator("glibc.malloc.trim_threshold"));
}

static const check_case cases[] = {
    CASE(an_operators_threshold_is_seen_among_other_tunables),
    CASE(other_tunables_and_none_leave_the_thresholds_to_us),
};

CHECK_MAIN("tp_heap", cases)
