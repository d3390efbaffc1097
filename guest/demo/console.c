/* The console runtime (console.h): debug-console output, a small printf, the exit port, and the
 * report channel of ss_guest/guest.h turned into console text. */
#include "console.h"

#include <ss_guest/guest.h>
#include <stdarg.h>
#include <stdbool.h>

static unsigned failed_checks;

void con_putc(char c)
{
	__asm__ volatile("outb %0, %1" : : "a"((uint8_t)c), "Nd"((uint16_t)CON_PORT));
}

void con_puts(const char *s)
{
	while (*s)
		con_putc(*s++);
}

static void put_num(uint64_t v, unsigned base, bool neg, int width, char pad, bool left)
{
	char buf[24];
	int n = 0;
	do {
		unsigned d = (unsigned)(v % base);
		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	if (!left)
		for (int i = n; i < width; i++)
			con_putc(pad);
	while (n)
		con_putc(buf[--n]);
	if (left)
		for (int i = (int)(neg ? 1 : 0) + n; i < width; i++)
			con_putc(' ');
}

void con_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			con_putc(*p);
			continue;
		}
		p++;
		bool left = false;
		char pad = ' ';
		if (*p == '-') {
			left = true;
			p++;
		}
		if (*p == '0') {
			pad = '0';
			p++;
		}
		int width = 0;
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		int longs = 0;
		while (*p == 'l') {
			longs++;
			p++;
		}
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;
			while (s[n])
				n++;
			for (int i = n; !left && i < width; i++)
				con_putc(' ');
			con_puts(s);
			for (int i = n; left && i < width; i++)
				con_putc(' ');
			break;
		}
		case 'c': con_putc((char)va_arg(ap, int)); break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
			put_num(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, v < 0, width, pad, left);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			put_num(v, *p == 'u' ? 10 : 16, false, width, pad, left);
			break;
		}
		case 'p':
			con_puts("0x");
			put_num((uint64_t)va_arg(ap, void *), 16, false, width, pad, left);
			break;
		case '%': con_putc('%'); break;
		case '\0': p--; break;
		default:
			con_putc('%');
			con_putc(*p);
			break;
		}
	}
	va_end(ap);
}

_Noreturn void con_exit(uint32_t status)
{
	__asm__ volatile("outl %0, %1" : : "a"(status), "Nd"((uint16_t)CON_EXIT_PORT));
	guest_halt();
}

/* ---- the report channel of ss_guest/guest.h, as console text ---- */

void guest_report(uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	switch (op) {
	case SS_GUEST_OP_READY: break;
	case SS_GUEST_OP_DONE: con_exit(failed_checks ? CON_STATUS_FAILED : 0);
	case SS_GUEST_OP_FAIL:
		failed_checks++;
		con_printf("FAIL: %s (got 0x%lx, want 0x%lx)\n", (const char *)a, b, c);
		break;
	case SS_GUEST_OP_VALUE: con_printf("value %lu = 0x%lx\n", a, b); break;
	case SS_GUEST_OP_TRAP:
		con_printf("unexpected exception %lu, error 0x%lx, at RIP 0x%lx, CR2 0x%lx\n", a, b,
			   c, d);
		con_exit(CON_STATUS_TRAP);
	case SS_GUEST_OP_PRINT:
		con_puts((const char *)a);
		con_putc('\n');
		break;
	default: con_printf("unknown report op %lu\n", op); break;
	}
}

void guest_value(unsigned key, uint64_t value)
{
	guest_report(SS_GUEST_OP_VALUE, key, value, 0, 0);
}

void guest_print(const char *msg)
{
	guest_report(SS_GUEST_OP_PRINT, (uint64_t)msg, 0, 0, 0);
}

void guest_fail(const char *what, uint64_t got, uint64_t want)
{
	guest_report(SS_GUEST_OP_FAIL, (uint64_t)what, got, want, 0);
}

/* Interrupts off: the hypervisor takes HLT as the end of the run (hv.h). */
_Noreturn void guest_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}
