# The guest kernel (docs/guest.md): a Multiboot (v1) image that tests the local APIC in xAPIC and
# x2APIC mode.  Linked as ELF64 at 1 MiB, then rewritten as ELF32 because QEMU's Multiboot loader
# refuses 64-bit ELF; the 32-bit entry stub switches to long mode itself.  It reuses the plain-C
# console, printf engine and COM1 driver of lib/.
GUEST_SRCS   := $(wildcard guest/*.c) lib/format.c lib/console.c lib/serial_hv.c
GUEST_ASM    := $(wildcard guest/*.asm)
GUEST_OBJS   := $(GUEST_SRCS:%.c=$(B)/guest/%.o) $(GUEST_ASM:%.asm=$(B)/guest/%.asm.o)
GUEST_DEFS   := -DGUEST_MAX_CPUS=16 -DGUEST_STACK_SIZE=16384
GUEST_CFLAGS := $(WARN) $(INCLUDES) $(GUEST_DEFS) -ffreestanding -fno-pic -fno-pie -mcmodel=small \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-O2 -g -MMD -MP

guest: $(B)/guest/guest.elf

$(B)/guest/%.o: %.c
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(B)/guest/%.asm.o: %.asm
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	$(Q)$(NASM) -f elf64 -g $(GUEST_DEFS) -I$(dir $<) -MD $(@:.o=.d) $< -o $@

$(B)/guest/guest64.elf: $(GUEST_OBJS) guest/linker.ld
	@echo '  LD      $@'
	$(Q)$(LD) -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T guest/linker.ld $(GUEST_OBJS) -o $@

$(B)/guest/guest.elf: $(B)/guest/guest64.elf
	@echo '  OBJCOPY $@'
	$(Q)$(OBJCOPY) -O elf32-i386 --strip-debug $< $@
