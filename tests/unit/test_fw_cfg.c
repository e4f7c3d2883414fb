/* QEMU's fw_cfg in its I/O-port form (vmm/dev/fw_cfg.c), read the way its guests read it.  The
 * expected bytes come from QEMU's docs/specs/fw_cfg.rst (selector 0x510 written with 16 bits,
 * data 0x511 read a byte at a time, "QEMU" signature, FW_CFG_ID bit 0 = traditional interface,
 * bit 1 = DMA, file directory {be32 count, entries}, zeros past an item's end) and from
 * kvm-unit-tests' lib/x86/fwcfg.c (fwcfg_get_u: outw of the key, then `bytes` inb's assembled
 * little-endian). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/dev/fw_cfg.h"

static struct fw_cfg f;

static void sel(uint16_t key)
{
    fw_cfg_write(&f, 0x510, 2, key);
}

static uint8_t data(void)
{
    return (uint8_t)fw_cfg_read(&f, 0x511, 1);
}

/* kvm-unit-tests' fwcfg_get_u(). */
static uint64_t get_u(uint16_t key, int bytes)
{
    uint64_t r = 0;
    sel(key);
    for (int i = 0; i < bytes; i++)
        r |= (uint64_t)data() << (i * 8);
    return r;
}

static void read_bytes(uint16_t key, uint8_t *out, size_t n)
{
    sel(key);
    for (size_t i = 0; i < n; i++)
        out[i] = data();
}

static void signature_is_qemu(void **state)
{
    (void)state;
    fw_cfg_init(&f, 128 << 20, 1);
    uint8_t buf[8];
    read_bytes(0x0000, buf, sizeof(buf));
    assert_memory_equal(buf, "QEMU\0\0\0\0", 8); /* four bytes, then past the end */
}

static void reset_selects_the_signature(void **state)
{
    (void)state;
    /* QEMU's fw_cfg_reset selects FW_CFG_SIGNATURE: data reads before any selection give it. */
    fw_cfg_init(&f, 128 << 20, 1);
    assert_int_equal(data(), 'Q');
    assert_int_equal(data(), 'E');
    assert_int_equal(data(), 'M');
    assert_int_equal(data(), 'U');
    assert_int_equal(data(), 0);
}

static void id_offers_the_traditional_interface_only(void **state)
{
    (void)state;
    fw_cfg_init(&f, 128 << 20, 1);
    uint32_t id = (uint32_t)get_u(0x0001, 4);
    assert_int_equal(id, 1);     /* bit 0: traditional */
    assert_int_equal(id & 2, 0); /* bit 1: no DMA */
}

static void ram_size_and_cpu_counts_as_kvm_unit_tests_reads_them(void **state)
{
    (void)state;
    static const struct { uint64_t ram; uint16_t cpus; } cases[] = {
        { 128ull << 20, 1 }, { 0x123456789abcdef0ull, 4 }, { 4ull << 30, 255 },
        { 0, 0xffff }, { UINT64_MAX, 0x1234 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fw_cfg_init(&f, cases[i].ram, cases[i].cpus);
        assert_true(get_u(0x0003, 8) == cases[i].ram);    /* fwcfg_get_u64(FW_CFG_RAM_SIZE) */
        assert_int_equal(get_u(0x0005, 2), cases[i].cpus); /* fwcfg_get_nb_cpus() */
        assert_int_equal(get_u(0x000f, 2), cases[i].cpus); /* FW_CFG_MAX_CPUS */
    }
    /* little-endian, byte by byte */
    fw_cfg_init(&f, 0x0102030405060708ull, 0x0a0b);
    uint8_t ram[10], cpus[4];
    read_bytes(0x0003, ram, sizeof(ram));
    assert_memory_equal(ram, "\x08\x07\x06\x05\x04\x03\x02\x01\0\0", 10);
    read_bytes(0x0005, cpus, sizeof(cpus));
    assert_memory_equal(cpus, "\x0b\x0a\0\0", 4);
}

static void file_directory_is_empty(void **state)
{
    (void)state;
    fw_cfg_init(&f, 128 << 20, 2);
    uint8_t dir[4 + 64];
    read_bytes(0x0019, dir, sizeof(dir));
    static const uint8_t zeros[sizeof(dir)];
    /* a big-endian count of 0, and no entry after it */
    assert_memory_equal(dir, zeros, sizeof(dir));
    /* so the first file selector holds nothing either */
    assert_int_equal(get_u(0x0020, 8), 0);
}

static void unknown_selectors_read_zero(void **state)
{
    (void)state;
    fw_cfg_init(&f, UINT64_MAX, 0xffff);
    /* UUID, NOGRAPHIC, KERNEL_*, NUMA, the first file slot, the top of the generic range, the
     * x86 items QEMU adds (ACPI_TABLES 0x8000, IRQ0_OVERRIDE 0x8002, E820 0x8003), the
     * architecture-specific twins of the items above (bit 15), and the largest key */
    static const uint16_t keys[] = { 0x0002, 0x0004, 0x0007, 0x000d, 0x0020, 0x3fff,
                                     0x8000, 0x8002, 0x8003, 0x8005, 0xbfff, 0xffff };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_int_equal(get_u(keys[i], 8), 0);
}

static void a_new_selection_restarts_the_item(void **state)
{
    (void)state;
    fw_cfg_init(&f, 0x1122334455667788ull, 3);
    sel(0x0003);
    assert_int_equal(data(), 0x88);
    assert_int_equal(data(), 0x77);
    sel(0x0003); /* the same key again: offset back to 0 */
    assert_int_equal(data(), 0x88);
    sel(0x0000); /* another key mid-item */
    assert_int_equal(data(), 'Q');
    sel(0x0003);
    for (int i = 0; i < 8; i++)
        data();
    for (int i = 0; i < 1000; i++) /* past the end it stays 0, and never wraps */
        assert_int_equal(data(), 0);
    sel(0x0003);
    assert_int_equal(data(), 0x88);
}

static void the_write_channel_bit_selects_the_same_item(void **state)
{
    (void)state;
    /* Bit 14 of the selector once meant "write"; QEMU masks it off the key (FW_CFG_ENTRY_MASK). */
    fw_cfg_init(&f, 128 << 20, 7);
    assert_int_equal(get_u(0x4005, 2), 7);
    assert_int_equal(get_u(0x4000, 4), get_u(0x0000, 4));
}

static void data_writes_are_ignored(void **state)
{
    (void)state;
    /* As of QEMU 2.4 writes to the data register are no-ops, the offset included. */
    fw_cfg_init(&f, 0x1122334455667788ull, 3);
    sel(0x4003);
    fw_cfg_write(&f, 0x511, 1, 0xaa);
    assert_int_equal(data(), 0x88);
    fw_cfg_write(&f, 0x511, 1, 0xbb);
    fw_cfg_write(&f, 0x511, 1, 0xcc);
    assert_int_equal(data(), 0x77);
    assert_true(get_u(0x0003, 8) == 0x1122334455667788ull);
    /* a byte OUT to the selector is a data write too, not a selection */
    sel(0x0005);
    fw_cfg_write(&f, 0x510, 1, 0x00);
    assert_int_equal(data(), 3);
    /* and a word OUT to the data port selects nothing */
    sel(0x0005);
    fw_cfg_write(&f, 0x511, 2, 0x0000);
    assert_int_equal(data(), 3);
}

static void selector_takes_the_low_16_bits_of_a_dword(void **state)
{
    (void)state;
    fw_cfg_init(&f, 128 << 20, 9);
    fw_cfg_write(&f, 0x510, 4, 0xdead0005u);
    assert_int_equal(data(), 9);
    assert_int_equal(data(), 0);
}

static void reads_wider_than_a_byte_read_zero_and_consume_nothing(void **state)
{
    (void)state;
    fw_cfg_init(&f, 128 << 20, 1);
    sel(0x0000);
    assert_int_equal(fw_cfg_read(&f, 0x511, 2), 0);
    assert_int_equal(fw_cfg_read(&f, 0x511, 4), 0);
    assert_int_equal(fw_cfg_read(&f, 0x510, 2), 0);
    assert_int_equal(fw_cfg_read(&f, 0x510, 4), 0);
    assert_int_equal(data(), 'Q'); /* the offset did not move */
    /* a byte IN from the selector port reads data, as QEMU's combined region does */
    assert_int_equal(fw_cfg_read(&f, 0x510, 1), 'E');
    assert_int_equal(data(), 'M');
}

static void only_the_selector_and_data_ports_are_claimed(void **state)
{
    (void)state;
    assert_true(fw_cfg_claims(0x510));
    assert_true(fw_cfg_claims(0x511));
    /* no DMA: 0x514-0x51b, like the unused 0x512-0x513, are left to the empty bus */
    for (unsigned port = 0x512; port <= 0x51b; port++)
        assert_false(fw_cfg_claims((uint16_t)port));
    static const uint16_t others[] = { 0, 0x50f, 0x51c, 0x3f8, 0xf4, 0x8900, 0x0510 + 0x1000, 0xffff };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        assert_false(fw_cfg_claims(others[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signature_is_qemu),
        cmocka_unit_test(reset_selects_the_signature),
        cmocka_unit_test(id_offers_the_traditional_interface_only),
        cmocka_unit_test(ram_size_and_cpu_counts_as_kvm_unit_tests_reads_them),
        cmocka_unit_test(file_directory_is_empty),
        cmocka_unit_test(unknown_selectors_read_zero),
        cmocka_unit_test(a_new_selection_restarts_the_item),
        cmocka_unit_test(the_write_channel_bit_selects_the_same_item),
        cmocka_unit_test(data_writes_are_ignored),
        cmocka_unit_test(selector_takes_the_low_16_bits_of_a_dword),
        cmocka_unit_test(reads_wider_than_a_byte_read_zero_and_consume_nothing),
        cmocka_unit_test(only_the_selector_and_data_ports_are_claimed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
