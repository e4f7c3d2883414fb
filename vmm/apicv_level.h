/* Choosing the apicv level (vlapic/mode.h, option apicv=) from the CPU's VMX controls, and the
 * control values that level runs with.  Plain C: the unit tests give it capability MSR values. */
#ifndef VMM_APICV_LEVEL_H
#define VMM_APICV_LEVEL_H

#include "lib/format.h"
#include "vlapic/mode.h"
#include "vmx/caps.h"
#include "vmx/controls.h"

/* For asked = APICV_AUTO the highest level whose controls the CPU has, printed as
 * "apicv: LEVEL" or "apicv: LEVEL (no CONTROL)" with the first control the next level up lacks;
 * for a named level that level.  Fills *out with its controls (mode: the LAPIC mode the guest
 * starts in) and returns the level; returns -1 when a named level cannot be had, after printing
 * each missing control ("vmx: missing control: ...") and "apicv=LEVEL needs controls this CPU
 * lacks".  hlt_in_guest (option hlt=guest): at apicv=full HLT does not exit, where physical NMIs
 * exit (so that an NMI can end a `cli; hlt` there, vcpu_kick). */
int apicv_choose(const struct vmx_caps *caps, enum apicv_level asked, enum lapic_mode mode, bool hlt_in_guest,
                 struct vmx_controls *out, fmt_sink_fn sink, void *ctx);

#endif
