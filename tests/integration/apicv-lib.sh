# The guest LAPIC suite under apicvisor in Bochs, booted two at a time (sourced after lib.sh).
#   suite NAME CPUS "APICVISOR-OPTIONS" "GUEST-OPTIONS" MODE [HOST-MIB] [MODEL]
# queues a run; run_suites boots them in pairs and checks each with check_suite, then calls
# the test's own extra_checks NAME (if it defines one) with LOG on that run.  The guest is told
# the apicv level (apicv= in its options) so that its exits-per-operation budgets are that
# level's; the level is what the hypervisor reports ("apicv: LEVEL"), apicv= or auto.
SUITES=()

suite() {
    SUITES+=("$1|$2|$3|$4|$5|${6:-512}|${7:-tigerlake}")
}

# The level a run expects: apicv=LEVEL in its options, else what auto gives on its model.
suite_level() { # HV-OPTIONS MODEL
    if [[ " $1 " =~ \ apicv=([a-z]+)\  ]]; then echo "${BASH_REMATCH[1]}"; return; fi
    case $2 in
        corei7_haswell_4770|broadwell_ult) echo vid ;;
        corei7_sandy_bridge_2600k) echo tpr ;;
        *) echo full ;;
    esac
}

boot_suite() { # NAME CPUS HV G MEM MODEL LEVEL
    boot_bg "apicv-$1" run-bochs --cpus "$2" --mem "$5" --model "$6" --timeout 500 \
        --cmdline "$3 guest_cmdline=\"$4 ncpus=$2 apicv=$7\""
}

# At apicv=full a halted receiver costs no exit where HLT runs in the guest.  Where the hlt=auto
# probe found the platform deviation (Bochs 3.1: a pending virtual interrupt does not wake HLT),
# HLT exits: the 0 is reported as that deviation and the receiver's one HLT exit is checked.
expect_halted_receiver() { # NAME
    local name=$1 row='^\[vcpu 0\] #   IPI, receiver halted +'
    expect "$name: the hypervisor says where HLT runs" '^vm: HLT (runs in the guest|exits) \('
    if grep -qE '^vm: HLT runs in the guest' "$LOG.clean"; then
        expect "$name: and 0 on a halted receiver (HLT in the guest)" "${row}0 exits"
        return
    fi
    local deviation
    deviation=$(grep -m1 -oE '^vm: HLT exits \(hlt=auto\): platform deviation: .*' "$LOG.clean" | sed 's/^.*: platform/platform/')
    [ -z "$deviation" ] || skip "$name: and 0 on a halted receiver (HLT in the guest)" "$deviation"
    expect "$name: and on a halted receiver only its HLT exit" "${row}64 exits"
}

# With virtual-interrupt delivery the hypervisor asks the CPU whether RFLAGS.IF = 0 holds a pending
# virtual interrupt back when a physical interrupt arrives (SDM 30.2.1).  Stock Bochs 3.1 does not:
# that is reported as the platform deviation it is (scripts/bochs-fixes/vid-if.patch fixes it).
expect_if_probe() { # NAME
    local name=$1
    expect "$name: the hypervisor probed virtual interrupts against RFLAGS.IF" \
        '^vm: (virtual interrupts wait for RFLAGS.IF|platform deviation: a physical interrupt made the CPU deliver)'
    if grep -qE '^vm: platform deviation: a physical interrupt made the CPU deliver' "$LOG.clean"; then
        skip "$name: and they wait for RFLAGS.IF" "$(grep -m1 -oE 'platform deviation: a physical .*' "$LOG.clean")"
        return
    fi
    expect "$name: and they wait for RFLAGS.IF" '^vm: virtual interrupts wait for RFLAGS.IF \(probe: a physical interrupt exited first\)$'
}

check_suite() { # NAME CPUS MODE LEVEL
    local name=$1 cpus=$2 mode=$3 level=$4
    use_boot "apicv-$name"
    expect_ended "$name: the run ends by itself"
    expect "$name: the hypervisor runs apicv=$level" "^apicv: $level( |\$)"
    expect "$name: $cpus vCPUs online with distinct APIC IDs" "^\[vcpu 0\] smp: $cpus CPUs online: cpu0=apic0 cpu1=apic1"
    expect "$name: LAPIC mode $mode" "^\[vcpu 0\] lapic: mode $mode "
    expect "$name: APIC IDs agree with CPUID" '^\[vcpu 0\] ok [0-9]+ - apic-id$'
    expect "$name: suite passes" "^\[vcpu 0\] guest: [0-9]+ passed, 0 failed, [0-9]+ skipped$"
    # The cases QEMU TCG cannot check (docs/guest.md) run here.
    for c in timer-tsc-deadline esr-illegal-vector svr-disabled-masks-lvt timer-periodic ipi-nmi priority-order tpr-ppr tpr-cr8 fw-cfg; do
        expect "$name: case $c passes" "^\[vcpu 0\] ok [0-9]+ - $c\$"
    done
    expect "$name: exits per operation within apicv=$level's budgets" '^\[vcpu 0\] ok [0-9]+ - hv-exits-per-operation$'
    if [ "$level" = full ]; then
        for op in "ID read" "TPR write" "EOI" "self-IPI"; do
            expect "$name: $op takes 0 exits" "^\[vcpu 0\] #   $op +0 exits"
        done
        expect "$name: a cross-vCPU IPI takes 1 exit on the sender" '^\[vcpu 0\] #   IPI, sender +64 exits \(1\.00 per operation'
        expect "$name: and 0 on a running receiver (posted)" '^\[vcpu 0\] #   IPI, receiver running +0 exits'
        expect_halted_receiver "$name"
    fi
    if [ "$level" = vid ] || [ "$level" = full ]; then expect_if_probe "$name"; fi
    expect "$name: the guest's HC_DUMP_VMCS dumped its VMCS" '^vcpu 0: VMCS dump \(requested by the guest\)$'
    expect "$name: the dump shows the APIC state in the suite's mode" "^vmcs:   LAPIC mode $mode, IA32_APIC_BASE 0x"
    expect "$name: verdict PASS" '^apicvisor: verdict: PASS \(guest exit code 0\)$'
    expect_not "$name: no hypervisor exception or unhandled exit" 'HYPERVISOR EXCEPTION|unhandled VM exit|stopping the guest'
    if [[ $name == *xapic-* ]]; then
        expect "$name: run-time switch xAPIC -> x2APIC -> disabled -> xAPIC" '^\[vcpu 0\] ok [0-9]+ - mode-switch$'
        expect "$name: the hypervisor followed each switch" '^vcpu 0: LAPIC x2APIC -> disabled$'
    fi
}

run_suites() {
    local i j
    for ((i = 0; i < ${#SUITES[@]}; i += 2)); do
        for ((j = i; j < i + 2 && j < ${#SUITES[@]}; j++)); do
            IFS='|' read -r name cpus hv g mode mem model <<< "${SUITES[j]}"
            boot_suite "$name" "$cpus" "$hv" "$g" "$mem" "$model" "$(suite_level "$hv" "$model")"
        done
        boot_wait
        for ((j = i; j < i + 2 && j < ${#SUITES[@]}; j++)); do
            IFS='|' read -r name cpus hv g mode mem model <<< "${SUITES[j]}"
            check_suite "$name" "$cpus" "$mode" "$(suite_level "$hv" "$model")"
            if declare -F extra_checks > /dev/null; then extra_checks "$name"; fi
        done
    done
}
