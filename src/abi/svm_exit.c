/* Names, hints and the SEV-ES automatic-exit class of #VMEXIT codes, from the single table in
 * include/softsev/abi/svm_exit.h (cpu-svm-sev.md §3.1, §3.2). */
#include <softsev/abi/svm_exit.h>
#include <stdio.h>
#include <string.h>

typedef struct row {
	const char *name;
	uint64_t code;
	int automatic;
	const char *hint;
} row;

static const row rows[] = {
#define SS_SVM_EXIT_ROW(n, v, ae, h) {#n, (uint64_t)(v), ae, h},
    SS_SVM_EXIT_LIST(SS_SVM_EXIT_ROW)
#undef SS_SVM_EXIT_ROW
};

static const char *const exc_names[32] = {"DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM",
					  "DF", "09", "TS",  "NP", "SS", "GP", "PF", "15",
					  "MF", "AC", "MC",  "XM", "VE", "CP", "22", "23",
					  "24", "25", "26",  "27", "HV", "VC", "SX", "31"};

/* The row covering code: exact match, or the start of a range (CR/DR/exception/CR-trap). */
static const row *find(uint64_t code, unsigned *index)
{
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		if (rows[k].code == code) {
			*index = 0;
			return &rows[k];
		}
	}
	uint64_t starts[] = {0x000, 0x010, 0x020, 0x030, 0x040, 0x090};
	uint64_t spans[] = {16, 16, 16, 16, 32, 16};
	for (size_t s = 0; s < 6; s++) {
		if (code >= starts[s] && code < starts[s] + spans[s]) {
			for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
				if (rows[k].code == starts[s]) {
					*index = (unsigned)(code - starts[s]);
					return &rows[k];
				}
			}
		}
	}
	return NULL;
}

const char *ss_svm_exit_name(uint64_t code, char *buf, unsigned bufsize)
{
	unsigned idx = 0;
	const row *r = find(code, &idx);
	if (!r) {
		snprintf(buf, bufsize, "SVM_EXIT_UNKNOWN(0x%llx)", (unsigned long long)code);
		return buf;
	}
	if (r->code == 0x040)
		snprintf(buf, bufsize, "SVM_EXIT_EXCP_%s", exc_names[idx]);
	else if (r->code <= 0x030 || r->code == 0x090)
		snprintf(buf, bufsize, "SVM_EXIT_%.*s%u%s",
			 (int)(r->name[0] == 'C' ? 2 : strlen(r->name) - 1), r->name, idx,
			 r->code == 0x090 ? "_WRITE_TRAP" : "");
	else
		snprintf(buf, bufsize, "SVM_EXIT_%s", r->name);
	return buf;
}

const char *ss_svm_exit_hint(uint64_t code)
{
	unsigned idx;
	const row *r = find(code, &idx);
	return r ? r->hint : "unknown exit code";
}

int ss_svm_exit_is_automatic(uint64_t code, uint64_t npf_error)
{
	/* §3.2: #MC is automatic; an NPF with RSVD set is delivered as #VC (MMIO). */
	if (code == 0x052)
		return 1;
	if (code == 0x400)
		return !(npf_error & 0x8);
	unsigned idx;
	const row *r = find(code, &idx);
	return r ? r->automatic : 0;
}
