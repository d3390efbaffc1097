/* The four functions gcc and clang may call even in freestanding code (GCC manual, "Standards":
 * memcpy, memmove, memset, memcmp), written with string instructions so that the compiler cannot
 * turn their loops back into calls to themselves. */
#include <stddef.h>

void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *d, const void *s, size_t n)
{
	void *r = d;
	__asm__ volatile("cld; rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}

void *memmove(void *d, const void *s, size_t n)
{
	if ((const char *)d <= (const char *)s || (const char *)d >= (const char *)s + n)
		return memcpy(d, s, n);
	void *r = d;
	d = (char *)d + n - 1;
	s = (const char *)s + n - 1;
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}

void *memset(void *d, int c, size_t n)
{
	void *r = d;
	__asm__ volatile("cld; rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return r;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *ap = a, *bp = b;
	for (size_t k = 0; k < n; k++)
		if (ap[k] != bp[k])
			return ap[k] - bp[k];
	return 0;
}
