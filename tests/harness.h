/* A minimal test harness: each test binary runs its TEST functions and speaks TAP on stdout, so
 * `meson test` counts every case. A failed CHECK records the file, line and expression and the
 * test goes on; REQUIRE stops the current test.
 *
 *   TEST(parses_footer) { CHECK(x == 1); CHECK_EQ_HEX(a, b, 48); }
 *   TEST_MAIN(parses_footer, ...)
 */
#ifndef SS_TEST_HARNESS_H
#define SS_TEST_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ss_test_failed_checks;

#define TEST(name) static void test_##name(void)

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			printf("# %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr);          \
			ss_test_failed_checks++;                                                   \
		}                                                                                  \
	} while (0)

#define REQUIRE(expr)                                                                              \
	do {                                                                                       \
		if (!(expr)) {                                                                     \
			printf("# %s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #expr);        \
			ss_test_failed_checks++;                                                   \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Compares two byte buffers and prints both in hex when they differ. */
#define CHECK_MEM(a, b, len)                                                                       \
	do {                                                                                       \
		if (memcmp((a), (b), (len))) {                                                     \
			printf("# %s:%d: CHECK_MEM failed: %s != %s\n", __FILE__, __LINE__, #a, #b); \
			ss_test_print_hex("#   got ", (const unsigned char *)(a), (len));           \
			ss_test_print_hex("#   want", (const unsigned char *)(b), (len));           \
			ss_test_failed_checks++;                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *sa_ = (a), *sb_ = (b);                                                 \
		if (!sa_ || !sb_ || strcmp(sa_, sb_)) {                                            \
			printf("# %s:%d: CHECK_STR failed: %s\n#   got  \"%s\"\n#   want \"%s\"\n",   \
			       __FILE__, __LINE__, #a, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");  \
			ss_test_failed_checks++;                                                   \
		}                                                                                  \
	} while (0)

/* True if haystack contains needle (for checking error messages). */
#define CHECK_CONTAINS(haystack, needle)                                                           \
	do {                                                                                       \
		const char *h_ = (haystack), *n_ = (needle);                                       \
		if (!h_ || !strstr(h_, n_)) {                                                      \
			printf("# %s:%d: CHECK_CONTAINS failed: \"%s\" not in \"%s\"\n", __FILE__,  \
			       __LINE__, n_, h_ ? h_ : "(null)");                                  \
			ss_test_failed_checks++;                                                   \
		}                                                                                  \
	} while (0)

static inline void ss_test_print_hex(const char *label, const unsigned char *p, size_t len)
{
	printf("%s ", label);
	for (size_t i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
}

typedef struct {
	const char *name;
	void (*fn)(void);
} ss_test_case;

static inline int ss_test_run(const ss_test_case *cases, size_t n)
{
	int failed = 0;
	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		int before = ss_test_failed_checks;
		cases[i].fn();
		bool ok = ss_test_failed_checks == before;
		printf("%s %zu - %s\n", ok ? "ok" : "not ok", i + 1, cases[i].name);
		failed += !ok;
	}
	fflush(stdout);
	return failed ? 1 : 0;
}

#define SS_TEST_ENTRY(name) {#name, test_##name},
#define SS_TEST_MAP1(m, x) m(x)
/* TEST_MAIN lists the tests to run, in order. */
#define TEST_MAIN(...)                                                                             \
	int main(void)                                                                             \
	{                                                                                          \
		static const ss_test_case cases_[] = {SS_TEST_FOREACH(SS_TEST_ENTRY, __VA_ARGS__)}; \
		return ss_test_run(cases_, sizeof(cases_) / sizeof(cases_[0]));                    \
	}

/* Applies m to up to 64 arguments. */
#define SS_TEST_FOREACH(m, ...) SS_TEST_FE_(__VA_ARGS__, SS_TEST_FE_SEQ)(m, __VA_ARGS__)
#define SS_TEST_FE_(...) SS_TEST_FE_N(__VA_ARGS__)
#define SS_TEST_FE_N(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17,  \
		     _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32,    \
		     _33, _34, _35, _36, _37, _38, _39, _40, _41, _42, _43, _44, _45, _46, _47,    \
		     _48, _49, _50, _51, _52, _53, _54, _55, _56, _57, _58, _59, _60, _61, _62,    \
		     _63, _64, N, ...)                                                             \
	SS_TEST_FE_##N
#define SS_TEST_FE_SEQ                                                                             \
	64, 63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42,  \
	    41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20,  \
	    19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1
#define SS_TEST_FE_1(m, a) m(a)
#define SS_TEST_FE_2(m, a, ...) m(a) SS_TEST_FE_1(m, __VA_ARGS__)
#define SS_TEST_FE_3(m, a, ...) m(a) SS_TEST_FE_2(m, __VA_ARGS__)
#define SS_TEST_FE_4(m, a, ...) m(a) SS_TEST_FE_3(m, __VA_ARGS__)
#define SS_TEST_FE_5(m, a, ...) m(a) SS_TEST_FE_4(m, __VA_ARGS__)
#define SS_TEST_FE_6(m, a, ...) m(a) SS_TEST_FE_5(m, __VA_ARGS__)
#define SS_TEST_FE_7(m, a, ...) m(a) SS_TEST_FE_6(m, __VA_ARGS__)
#define SS_TEST_FE_8(m, a, ...) m(a) SS_TEST_FE_7(m, __VA_ARGS__)
#define SS_TEST_FE_9(m, a, ...) m(a) SS_TEST_FE_8(m, __VA_ARGS__)
#define SS_TEST_FE_10(m, a, ...) m(a) SS_TEST_FE_9(m, __VA_ARGS__)
#define SS_TEST_FE_11(m, a, ...) m(a) SS_TEST_FE_10(m, __VA_ARGS__)
#define SS_TEST_FE_12(m, a, ...) m(a) SS_TEST_FE_11(m, __VA_ARGS__)
#define SS_TEST_FE_13(m, a, ...) m(a) SS_TEST_FE_12(m, __VA_ARGS__)
#define SS_TEST_FE_14(m, a, ...) m(a) SS_TEST_FE_13(m, __VA_ARGS__)
#define SS_TEST_FE_15(m, a, ...) m(a) SS_TEST_FE_14(m, __VA_ARGS__)
#define SS_TEST_FE_16(m, a, ...) m(a) SS_TEST_FE_15(m, __VA_ARGS__)
#define SS_TEST_FE_17(m, a, ...) m(a) SS_TEST_FE_16(m, __VA_ARGS__)
#define SS_TEST_FE_18(m, a, ...) m(a) SS_TEST_FE_17(m, __VA_ARGS__)
#define SS_TEST_FE_19(m, a, ...) m(a) SS_TEST_FE_18(m, __VA_ARGS__)
#define SS_TEST_FE_20(m, a, ...) m(a) SS_TEST_FE_19(m, __VA_ARGS__)
#define SS_TEST_FE_21(m, a, ...) m(a) SS_TEST_FE_20(m, __VA_ARGS__)
#define SS_TEST_FE_22(m, a, ...) m(a) SS_TEST_FE_21(m, __VA_ARGS__)
#define SS_TEST_FE_23(m, a, ...) m(a) SS_TEST_FE_22(m, __VA_ARGS__)
#define SS_TEST_FE_24(m, a, ...) m(a) SS_TEST_FE_23(m, __VA_ARGS__)
#define SS_TEST_FE_25(m, a, ...) m(a) SS_TEST_FE_24(m, __VA_ARGS__)
#define SS_TEST_FE_26(m, a, ...) m(a) SS_TEST_FE_25(m, __VA_ARGS__)
#define SS_TEST_FE_27(m, a, ...) m(a) SS_TEST_FE_26(m, __VA_ARGS__)
#define SS_TEST_FE_28(m, a, ...) m(a) SS_TEST_FE_27(m, __VA_ARGS__)
#define SS_TEST_FE_29(m, a, ...) m(a) SS_TEST_FE_28(m, __VA_ARGS__)
#define SS_TEST_FE_30(m, a, ...) m(a) SS_TEST_FE_29(m, __VA_ARGS__)
#define SS_TEST_FE_31(m, a, ...) m(a) SS_TEST_FE_30(m, __VA_ARGS__)
#define SS_TEST_FE_32(m, a, ...) m(a) SS_TEST_FE_31(m, __VA_ARGS__)
#define SS_TEST_FE_33(m, a, ...) m(a) SS_TEST_FE_32(m, __VA_ARGS__)
#define SS_TEST_FE_34(m, a, ...) m(a) SS_TEST_FE_33(m, __VA_ARGS__)
#define SS_TEST_FE_35(m, a, ...) m(a) SS_TEST_FE_34(m, __VA_ARGS__)
#define SS_TEST_FE_36(m, a, ...) m(a) SS_TEST_FE_35(m, __VA_ARGS__)
#define SS_TEST_FE_37(m, a, ...) m(a) SS_TEST_FE_36(m, __VA_ARGS__)
#define SS_TEST_FE_38(m, a, ...) m(a) SS_TEST_FE_37(m, __VA_ARGS__)
#define SS_TEST_FE_39(m, a, ...) m(a) SS_TEST_FE_38(m, __VA_ARGS__)
#define SS_TEST_FE_40(m, a, ...) m(a) SS_TEST_FE_39(m, __VA_ARGS__)
#define SS_TEST_FE_41(m, a, ...) m(a) SS_TEST_FE_40(m, __VA_ARGS__)
#define SS_TEST_FE_42(m, a, ...) m(a) SS_TEST_FE_41(m, __VA_ARGS__)
#define SS_TEST_FE_43(m, a, ...) m(a) SS_TEST_FE_42(m, __VA_ARGS__)
#define SS_TEST_FE_44(m, a, ...) m(a) SS_TEST_FE_43(m, __VA_ARGS__)
#define SS_TEST_FE_45(m, a, ...) m(a) SS_TEST_FE_44(m, __VA_ARGS__)
#define SS_TEST_FE_46(m, a, ...) m(a) SS_TEST_FE_45(m, __VA_ARGS__)
#define SS_TEST_FE_47(m, a, ...) m(a) SS_TEST_FE_46(m, __VA_ARGS__)
#define SS_TEST_FE_48(m, a, ...) m(a) SS_TEST_FE_47(m, __VA_ARGS__)
#define SS_TEST_FE_49(m, a, ...) m(a) SS_TEST_FE_48(m, __VA_ARGS__)
#define SS_TEST_FE_50(m, a, ...) m(a) SS_TEST_FE_49(m, __VA_ARGS__)
#define SS_TEST_FE_51(m, a, ...) m(a) SS_TEST_FE_50(m, __VA_ARGS__)
#define SS_TEST_FE_52(m, a, ...) m(a) SS_TEST_FE_51(m, __VA_ARGS__)
#define SS_TEST_FE_53(m, a, ...) m(a) SS_TEST_FE_52(m, __VA_ARGS__)
#define SS_TEST_FE_54(m, a, ...) m(a) SS_TEST_FE_53(m, __VA_ARGS__)
#define SS_TEST_FE_55(m, a, ...) m(a) SS_TEST_FE_54(m, __VA_ARGS__)
#define SS_TEST_FE_56(m, a, ...) m(a) SS_TEST_FE_55(m, __VA_ARGS__)
#define SS_TEST_FE_57(m, a, ...) m(a) SS_TEST_FE_56(m, __VA_ARGS__)
#define SS_TEST_FE_58(m, a, ...) m(a) SS_TEST_FE_57(m, __VA_ARGS__)
#define SS_TEST_FE_59(m, a, ...) m(a) SS_TEST_FE_58(m, __VA_ARGS__)
#define SS_TEST_FE_60(m, a, ...) m(a) SS_TEST_FE_59(m, __VA_ARGS__)
#define SS_TEST_FE_61(m, a, ...) m(a) SS_TEST_FE_60(m, __VA_ARGS__)
#define SS_TEST_FE_62(m, a, ...) m(a) SS_TEST_FE_61(m, __VA_ARGS__)
#define SS_TEST_FE_63(m, a, ...) m(a) SS_TEST_FE_62(m, __VA_ARGS__)
#define SS_TEST_FE_64(m, a, ...) m(a) SS_TEST_FE_63(m, __VA_ARGS__)

#endif
