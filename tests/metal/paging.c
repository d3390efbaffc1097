/* Guest paging (APM vol. 2 §5.3-§5.6), guest and host in one file: the guest maps its own pages
 * with guest/lib/paging.c and checks translation, the accessed and dirty bits the walk sets, and
 * the protection checks with their #PF error codes (P 1, W 2, U 4, I 16) and CR2; the host checks
 * that data written through a mapping landed at the physical address the guest names. */
#include <stdint.h>

/* Guest-virtual windows above the identity map, and the scratch pages they map. */
#define VA_4K	0x40000000ull
#define PA_4K	0xC03000ull
#define VA_2M	0x40200000ull
#define PA_2M	0xE00000ull
#define VA_1G	0x80000000ull /* a 1 GiB page onto guest-physical 0 */
#define VA_RO	0x40003000ull
#define PA_RO	0xC05000ull
#define VA_CODE 0x40004000ull
#define PA_CODE 0xC06000ull
#define VA_USER 0x40005000ull
#define PA_USER 0xC07000ull
#define MAGIC	0x5ec0de5ec0de0001ull

enum { C_4K = 1, C_2M, C_1G, C_WP, C_NX, C_SMEP, C_SMAP, C_USER, C_RSVD, C_COUNT };

/* A physical-address bit above the model's 48 (CPUID 8000_0008) and below the C-bit (51). */
#define PA_BIT50 (1ull << 50)

#ifdef SS_GUEST

#include <ss_guest/guest.h>
#include <ss_guest/x86.h>

void do_read(void *), do_write(void *), do_call(void *), do_user_read(void *),
    do_user_write(void *);
__asm__(".text\n"
	"do_read: movq (%rdi), %rax; ret\n"
	"do_write: movq %rdi, (%rdi); ret\n"
	"do_call: call *%rdi; ret\n"
	".section .user.text, \"ax\"\n"
	"do_user_read: movq (%rdi), %rax; ret\n"
	"do_user_write: movq %rdi, (%rdi); ret\n"
	".text\n");

static volatile uint64_t *at(uint64_t a)
{
	return (volatile uint64_t *)a;
}

/* fn(arg) must fault with #PF(error) at CR2 = cr2. */
static void expect_pf(void (*fn)(void *), uint64_t arg, bool user, uint64_t error, uint64_t cr2)
{
	uint64_t n = guest_last_trap.count;
	GCHECK_EQ(user ? guest_try_user(fn, (void *)arg) : guest_try(fn, (void *)arg), 1);
	GCHECK_EQ(guest_last_trap.count, n + 1);
	GCHECK_EQ(guest_last_trap.vector, 14);
	GCHECK_EQ(guest_last_trap.error, error);
	GCHECK_EQ(guest_last_trap.cr2, cr2);
}

static void expect_ok(void (*fn)(void *), uint64_t arg, bool user)
{
	GCHECK_EQ(user ? guest_try_user(fn, (void *)arg) : guest_try(fn, (void *)arg), 0);
}

static void check_leaf(uint64_t va, uint64_t size, uint64_t pa, uint64_t ad)
{
	uint64_t s = 0, *e = guest_pte(va, &s);
	GCHECK(e != NULL);
	if (!e)
		return;
	GCHECK_EQ(s, size);
	GCHECK_EQ(*e & PTE_ADDR & ~(size - 1), pa);
	GCHECK_EQ(*e & PTE_PS, size > PAGE_4K ? PTE_PS : 0);
	GCHECK_EQ(*e & (PTE_A | PTE_D), ad);
}

void guest_main(uint64_t c)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR);
	switch (c) {
	case C_4K:
		guest_map(VA_4K, PA_4K, PAGE_4K, PTE_W);
		guest_map(VA_4K + PAGE_4K, PA_4K + PAGE_4K, PAGE_4K, PTE_W);
		*at(PA_4K + PAGE_4K + 8) = MAGIC + 1;
		GCHECK_EQ(*at(VA_4K + PAGE_4K + 8), MAGIC + 1); /* a read sets A only */
		check_leaf(VA_4K + PAGE_4K, PAGE_4K, PA_4K + PAGE_4K, PTE_A);
		*at(VA_4K + 16) = MAGIC; /* a write sets A and D */
		check_leaf(VA_4K, PAGE_4K, PA_4K, PTE_A | PTE_D);
		GCHECK_EQ(*at(PA_4K + 16), MAGIC);
		/* The walk set A in the upper levels too. */
		GCHECK(pml4[VA_4K >> 39] & PTE_A);
		GCHECK(((uint64_t *)(pml4[0] & PTE_ADDR))[(VA_4K >> 30) & 511] & PTE_A);
		guest_value(1, PA_4K + 16);
		break;
	case C_2M:
		*at(PA_2M + 0x1008) = MAGIC + 2;
		guest_map(VA_2M, PA_2M, PAGE_2M, PTE_W);
		GCHECK_EQ(*at(VA_2M + 0x1008), MAGIC + 2);
		check_leaf(VA_2M + 0x1008, PAGE_2M, PA_2M, PTE_A);
		*at(VA_2M + 0x1ff000) = MAGIC;
		check_leaf(VA_2M, PAGE_2M, PA_2M, PTE_A | PTE_D);
		guest_value(1, PA_2M + 0x1ff000);
		break;
	case C_1G:
		*at(0xC08000) = MAGIC + 3;
		guest_map(VA_1G, 0, PAGE_1G, PTE_W);
		GCHECK_EQ(*at(VA_1G + 0xC08000), MAGIC + 3);
		check_leaf(VA_1G + 0xC08000, PAGE_1G, 0, PTE_A);
		*at(VA_1G + 0xC08010) = MAGIC;
		check_leaf(VA_1G, PAGE_1G, 0, PTE_A | PTE_D);
		guest_value(1, 0xC08010);
		break;
	case C_WP:
		guest_map(VA_RO, PA_RO, PAGE_4K, 0);
		/* CR0.WP=0: supervisor writes ignore R/W (§5.6.4). */
		write_cr0(read_cr0() & ~X86_CR0_WP);
		expect_ok(do_write, VA_RO, false);
		GCHECK_EQ(*at(PA_RO), VA_RO);
		check_leaf(VA_RO, PAGE_4K, PA_RO, PTE_A | PTE_D);
		write_cr0(read_cr0() | X86_CR0_WP);
		expect_pf(do_write, VA_RO, false, 1 | 2, VA_RO);
		expect_ok(do_read, VA_RO, false);
		break;
	case C_NX:
		*(volatile uint8_t *)PA_CODE = 0xC3; /* ret */
		guest_map(VA_CODE, PA_CODE, PAGE_4K, PTE_W | PTE_NX);
		expect_pf(do_call, VA_CODE, false, 1 | 16, VA_CODE);
		GCHECK_EQ(guest_last_trap.rip, VA_CODE);
		expect_ok(do_read, VA_CODE, false); /* NX forbids fetches only */
		guest_map(VA_CODE, PA_CODE, PAGE_4K, PTE_W);
		expect_ok(do_call, VA_CODE, false);
		break;
	case C_SMEP:
		*(volatile uint8_t *)PA_CODE = 0xC3;
		guest_map(VA_CODE, PA_CODE, PAGE_4K, PTE_W | PTE_U);
		expect_ok(do_call, VA_CODE, false);
		write_cr4(read_cr4() | X86_CR4_SMEP);
		expect_pf(do_call, VA_CODE, false, 1 | 16, VA_CODE);
		expect_ok(do_read, VA_CODE, false); /* SMEP forbids fetches only */
		write_cr4(read_cr4() & ~X86_CR4_SMEP);
		break;
	case C_SMAP:
		guest_map(VA_USER, PA_USER, PAGE_4K, PTE_W | PTE_U);
		expect_ok(do_read, VA_USER, false);
		write_cr4(read_cr4() | X86_CR4_SMAP);
		expect_pf(do_read, VA_USER, false, 1, VA_USER);
		expect_pf(do_write, VA_USER, false, 1 | 2, VA_USER);
		stac(); /* RFLAGS.AC lifts SMAP for explicit accesses */
		expect_ok(do_write, VA_USER, false);
		clac();
		expect_pf(do_read, VA_USER, false, 1, VA_USER);
		write_cr4(read_cr4() & ~X86_CR4_SMAP);
		break;
	case C_USER:
		guest_map(VA_USER, PA_USER, PAGE_4K, PTE_W | PTE_U);
		guest_map(VA_USER + PAGE_4K, PA_USER + PAGE_4K, PAGE_4K, PTE_U);
		guest_map(VA_RO, PA_RO, PAGE_4K, PTE_W);
		expect_ok(do_user_write, VA_USER, true);
		GCHECK_EQ(*at(PA_USER), VA_USER);
		expect_ok(do_user_read, VA_USER + PAGE_4K, true);
		expect_pf(do_user_write, VA_USER + PAGE_4K, true, 1 | 2 | 4, VA_USER + PAGE_4K);
		expect_pf(do_user_read, VA_RO, true, 1 | 4, VA_RO);
		expect_pf(do_user_read, VA_1G, true, 4, VA_1G); /* not present */
		break;
	case C_RSVD:
		/* Address bits at or above MAXPHYADDR are reserved: #PF with P and RSVD (8) on any
		 * access, at the leaf (§5.6.3) and at an upper level. */
		guest_map(VA_4K, PA_4K | PA_BIT50, PAGE_4K, PTE_W);
		expect_pf(do_read, VA_4K, false, 1 | 8, VA_4K);
		expect_pf(do_write, VA_4K, false, 1 | 2 | 8, VA_4K);
		guest_map(VA_4K, PA_4K, PAGE_4K, PTE_W);
		expect_ok(do_read, VA_4K, false);
		{
			uint64_t *pdpte =
			    &((uint64_t *)(pml4[VA_4K >> 39] & PTE_ADDR))[(VA_4K >> 30) & 511];
			*pdpte |= PA_BIT50;
			invlpg(VA_4K);
			expect_pf(do_read, VA_4K, false, 1 | 8, VA_4K);
			*pdpte &= ~PA_BIT50;
			invlpg(VA_4K);
			expect_ok(do_read, VA_4K, false);
		}
		break;
	default: guest_fail("unknown case", c, 0);
	}
}

#else /* host */

#include "metal_host.h"

static void run_case(unsigned c)
{
	metal m;
	METAL_REQUIRE(&m, metal_boot(&m, c), METAL_READY);
	METAL_CHECK(&m, metal_run(&m), METAL_DONE);
	if (c == C_4K || c == C_2M || c == C_1G)
		CHECK(metal_g64(&m, m.value[1]) == MAGIC);
	metal_free(&m);
}

TEST(pages_4k_with_accessed_and_dirty)
{
	run_case(C_4K);
}
TEST(pages_2m)
{
	run_case(C_2M);
}
TEST(pages_1g)
{
	run_case(C_1G);
}
TEST(write_protect_with_cr0_wp)
{
	run_case(C_WP);
}
TEST(no_execute)
{
	run_case(C_NX);
}
TEST(smep)
{
	run_case(C_SMEP);
}
TEST(smap_with_stac_clac)
{
	run_case(C_SMAP);
}
TEST(user_supervisor)
{
	run_case(C_USER);
}

TEST(reserved_physical_address_bits)
{
	run_case(C_RSVD);
}

TEST_MAIN(pages_4k_with_accessed_and_dirty, pages_2m, pages_1g, write_protect_with_cr0_wp,
	  no_execute, smep, smap_with_stac_clac, user_supervisor, reserved_physical_address_bits)

#endif
