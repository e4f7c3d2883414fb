/* Every test case of the suite, in the order they run (tests.c). */
#ifndef GUEST_TESTS_H
#define GUEST_TESTS_H

#include <stddef.h>

#include "guest/test.h"

extern const struct test_case all_tests[];
extern const size_t all_tests_count;

/* tests_registers.c */
void test_lapic_mode(void);
void test_apic_id(void);
void test_version(void);
void test_svr_software_enable(void);
void test_svr_disabled_masks_lvt(void);
void test_ldr_x2apic(void);
void test_esr(void);
void test_esr_illegal_vector(void);
/* tests_ipi.c */
void test_ipi_fixed_physical(void);
void test_ipi_logical_flat(void);
void test_ipi_logical_cluster(void);
void test_ipi_x2apic_cluster(void);
void test_ipi_shorthand_self(void);
void test_ipi_shorthand_all_including_self(void);
void test_ipi_shorthand_all_excluding_self(void);
void test_ipi_broadcast(void);
void test_ipi_nmi(void);
void test_self_ipi_icr(void);
void test_self_ipi_msr(void);
/* tests_priority.c */
void test_eoi_clears_isr(void);
void test_priority_order(void);
void test_tpr_ppr(void);
void test_tpr_cr8(void);
void test_xapic_id_write(void);
void test_apic_base_move(void);
/* tests_timer.c */
void test_timer_divide(void);
void test_timer_one_shot(void);
void test_timer_periodic(void);
void test_timer_tsc_deadline(void);
/* tests_mode.c */
void test_mode_x2apic_msr_in_xapic(void);
void test_mode_extd_without_cpuid(void);
void test_mode_switch(void);
void test_mode_invalid_transitions(void);
void test_mode_x2apic_only(void);
/* tests_hv.c */
void test_hv_exits_per_operation(void);
void test_hv_cycles_per_operation(void);
void test_hv_dump_vmcs(void);
/* tests_fw_cfg.c */
void test_fw_cfg(void);
/* tests_storm.c (opt-in) */
void test_ipi_storm(void);
/* tests_hostile.c (opt-in) */
void test_hostile_random(void);

#endif
