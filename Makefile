# apicvisor: build, run and test.  `make help` lists the targets.
#
# Sources are found by directory (the rooms of docs/design.md).  Files under lib/ vlapic/ vmx/ vmm/
# are plain C that also compiles for the host (unit tests link them) unless their name ends in
# _hv.c: those use privileged instructions or firmware services and are built for the hypervisor
# only.  efi/ is firmware-side.

VERSION   := 0.1.0
BUILD_ID  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
B         := build
Q         := $(if $(V),,@)

CC        ?= gcc
NASM      ?= nasm
LD        := ld
OBJCOPY   := objcopy

WARN      := -Wall -Wextra -Werror -std=gnu11
INCLUDES  := -I. -Iinclude

# --- hypervisor (UEFI application) ------------------------------------------------------------
EFI_INC   := /usr/include/efi
EFI_LIB   := /usr/lib
EFI_CFLAGS := $(WARN) $(INCLUDES) -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I$(EFI_INC)/protocol \
	-ffreestanding -fpic -fshort-wchar -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI -DEFI_FUNCTION_WRAPPER -DAPICVISOR_HV \
	-O2 -g -MMD -MP -DAPICVISOR_VERSION='"$(VERSION)"'
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
	-T $(EFI_LIB)/elf_x86_64_efi.lds $(EFI_LIB)/crt0-efi-x86_64.o

ROOMS     := lib vlapic vmx vmm/host vmm/dev vmm
CORE_SRCS := $(foreach r,$(ROOMS),$(wildcard $(r)/*.c))
HV_SRCS   := $(wildcard efi/*.c) $(CORE_SRCS)
HV_ASM    := $(foreach r,efi $(ROOMS),$(wildcard $(r)/*.asm))
HV_OBJS   := $(HV_SRCS:%.c=$(B)/hv/%.o) $(HV_ASM:%.asm=$(B)/hv/%.asm.o) $(B)/hv/build_id.o

# --- host library and unit tests ----------------------------------------------------------------
HOST_SRCS := $(filter-out %_hv.c,$(CORE_SRCS))
HOST_CFLAGS := $(WARN) $(INCLUDES) -O1 -g -MMD -MP -fsanitize=address,undefined -fno-omit-frame-pointer \
	$(shell pkg-config --cflags cmocka 2>/dev/null)
HOST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
HOST_OBJS := $(HOST_SRCS:%.c=$(B)/host/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)

.PHONY: all efi guest test-guests unit setup run run-linux bench test test-unit test-integration clean help
.DELETE_ON_ERROR:

all: efi guest test-guests unit

efi: $(B)/apicvisor.efi $(B)/poweroff.efi

help:
	@echo "make            build the hypervisor, the guest kernel and the unit tests"
	@echo "make run        set up if needed, build, boot in Bochs (4 CPUs, tigerlake), stream COM1"
	@echo "make test       set up if needed, unit tests, then emulator integration tests"
	@echo "make run-linux  boot Debian's Linux (scripts/linux-guest.sh) under apicvisor in Bochs, 4 CPUs"
	@echo "make bench      exits and cycles per LAPIC operation at every apicv level (build/bench/)"
	@echo "make setup      install packages and the Bochs 3.1 root (idempotent)"
	@echo "make clean      remove build/"

# The build id changes with every commit; the file is rewritten only then, so only that change
# relinks the hypervisor.
$(B)/hv/build_id.c: FORCE
	@mkdir -p $(dir $@)
	@echo 'const char apicvisor_build_id[] = "$(BUILD_ID)";' > $@.new
	@cmp -s $@.new $@ 2>/dev/null && rm -f $@.new || mv $@.new $@
FORCE:

$(B)/hv/build_id.o: $(B)/hv/build_id.c
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

$(B)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

$(B)/hv/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f elf64 -g -I$(dir $<) -MD $(@:.o=.d) $< -o $@

$(B)/apicvisor.so: $(HV_OBJS)
	@echo '  LD      $@'
	$(Q)$(LD) $(EFI_LDFLAGS) $^ -L$(EFI_LIB) -lefi -lgnuefi -o $@

# The runners' fallback boot disk (tests/support/poweroff.c).
$(B)/poweroff.so: $(B)/hv/tests/support/poweroff.o
	@echo '  LD      $@'
	$(Q)$(LD) $(EFI_LDFLAGS) $^ -L$(EFI_LIB) -lefi -lgnuefi -o $@

$(B)/%.efi: $(B)/%.so
	@echo '  OBJCOPY $@'
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* -j .rela.* \
		-j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@

$(B)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  HOSTCC  $<'
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@

$(B)/libapicvisor-host.a: $(HOST_OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(B)/unit/%: tests/unit/%.c $(B)/libapicvisor-host.a
	@mkdir -p $(dir $@)
	@echo '  HOSTLD  $@'
	$(Q)$(CC) $(HOST_CFLAGS) -MF $@.d $< $(B)/libapicvisor-host.a $(HOST_LIBS) -o $@

unit: $(UNIT_BINS)

-include guest/guest.mk
-include tests/fuzz/fuzz.mk

# Small Multiboot guests for the integration tests (tests/guests/).
TEST_GUESTS := $(patsubst tests/guests/%.asm,$(B)/test-guests/%.elf,$(wildcard tests/guests/*.asm))
# and minimal bzImages for the Linux boot-protocol loader (flat binaries).
TEST_BZIMAGES := $(patsubst tests/guests/bzimage/%.asm,$(B)/test-guests/%.bzImage,$(wildcard tests/guests/bzimage/*.asm))
test-guests: $(TEST_GUESTS) $(TEST_BZIMAGES)

$(B)/test-guests/%.bzImage: tests/guests/bzimage/%.asm
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f bin $< -o $@

$(B)/test-guests/%.o: tests/guests/%.asm tests/guests/common.inc tests/guests/checks.inc
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f elf32 -Itests/guests/ $< -o $@

$(B)/test-guests/%.elf: $(B)/test-guests/%.o
	$(Q)$(LD) -m elf_i386 -nostdlib -static -Ttext=0x100000 -z noexecstack $< -o $@

setup:
	@scripts/setup.sh --check >/dev/null 2>&1 || scripts/setup.sh

run: setup efi guest
	scripts/run-bochs --cpus 4 --model tigerlake

run-linux: setup efi
	scripts/run-linux --cpus 4

bench: setup efi guest
	scripts/bench --build-dir $(B)

test: setup
	@$(MAKE) --no-print-directory all
	@tests/run-all.sh

test-unit: unit
	@tests/run-all.sh --unit-only

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
