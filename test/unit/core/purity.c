/** @file test/unit/core/purity.c  src/core includes no I/O headers */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define SELF "test/unit/core/purity.c"

/* libre headers the core may use: the data modules, nothing with I/O */
static const char *libre_allowed[] = {
	"re_types.h", "re_mem.h", "re_list.h", "re_hash.h", "re_fmt.h",
	"re_mbuf.h", "re_md5.h",
};

/* Other headers that mean I/O (stdio.h stays allowed for snprintf) */
static const char *denied[] = {
	"sqlite3.h", "libpq-fe.h", "unistd.h", "fcntl.h", "poll.h",
	"dirent.h", "pthread.h", "netdb.h", "sys/socket.h", "sys/epoll.h",
	"netinet/in.h", "arpa/inet.h", "curl/curl.h",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool listed(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i], name))
			return true;
	}

	return false;
}

/* The header an #include line names, in buf; false if not an include */
static bool include_name(const char *line, char *buf, size_t sz)
{
	size_t n;

	line += strspn(line, " \t");
	if (*line++ != '#')
		return false;
	line += strspn(line, " \t");
	if (strncmp(line, "include", 7))
		return false;
	line += 7;
	line += strspn(line, " \t");
	if (*line != '<' && *line != '"')
		return false;
	line++;

	n = strcspn(line, ">\"");
	if (n >= sz)
		n = sz - 1;
	memcpy(buf, line, n);
	buf[n] = '\0';

	return true;
}

/* Why the header is forbidden in the core, or NULL */
static const char *header_forbidden(const char *name)
{
	if (!strcmp(name, "re.h"))
		return "all of libre, including I/O";
	if (!strncmp(name, "re_", 3) &&
	    !listed(libre_allowed, COUNT(libre_allowed), name))
		return "a libre module outside the data modules";
	if (listed(denied, COUNT(denied), name))
		return "an I/O header";

	return NULL;
}

static const char *line_forbidden(const char *line)
{
	static char name[256];

	if (!include_name(line, name, sizeof(name)))
		return NULL;

	return header_forbidden(name);
}

static void test_classifier(void **state)
{
	static const struct {
		const char *line;
		bool forbidden;
	} cases[] = {
		{"#include <re.h>", true},
		{"#include <re_sip.h>", true},
		{"#include <re_sipsess.h>", true},
		{"  #  include <re_rtp.h>", true},
		{"#include <re_tmr.h>", true},
		{"#include <re_main.h>", true},
		{"#include <re_http.h>", true},
		{"#include <re_tcp.h>", true},
		{"#include <re_udp.h>", true},
		{"#include <sqlite3.h>", true},
		{"#include \"libpq-fe.h\"", true},
		{"#include <sys/socket.h>", true},
		{"#include <unistd.h>", true},
		{"#include <stdio.h>", false},
		{"#include <string.h>", false},
		{"#include <time.h>", false},
		{"#include <jansson.h>", false},
		{"#include <re_types.h>", false},
		{"#include <re_mem.h>", false},
		{"#include <re_list.h>", false},
		{"#include <re_hash.h>", false},
		{"#include <re_fmt.h>", false},
		{"#include <re_mbuf.h>", false},
		{"#include <re_md5.h>", false},
		{"#include <hotline/agent.h>", false},
		{"/* #include <re.h> is not used */", false},
		{"int x; /* include <re_sip.h> */", false},
	};
	(void)state;

	for (size_t i = 0; i < COUNT(cases); i++) {
		if ((line_forbidden(cases[i].line) != NULL) != cases[i].forbidden)
			fail_msg("\"%s\": want forbidden=%d", cases[i].line,
				 cases[i].forbidden);
	}
}

static unsigned files_seen, violations;

static int scan_file(const char *path, const struct stat *sb, int type,
		     struct FTW *ftw)
{
	size_t n = strlen(path);
	char line[1024];
	unsigned lineno = 0;
	FILE *f;
	(void)sb;
	(void)ftw;

	if (type != FTW_F || n < 2 || path[n - 2] != '.' ||
	    (path[n - 1] != 'c' && path[n - 1] != 'h'))
		return 0;

	f = fopen(path, "r");
	if (!f) {
		print_error("cannot open %s\n", path);
		violations++;
		return 0;
	}

	while (fgets(line, sizeof(line), f)) {
		const char *why = line_forbidden(line);

		lineno++;
		if (why) {
			print_error("%s:%u: %s", path, lineno, line);
			print_error("  -> %s\n", why);
			violations++;
		}
	}

	fclose(f);
	files_seen++;
	return 0;
}

static void test_tree(void **state)
{
	const char *self = __FILE__;
	char root[1024], dir[1100];
	size_t n = strlen(self), s = strlen(SELF);
	(void)state;

	/* CMake compiles with the absolute path: strip ours to find src/ */
	if (n < s || strcmp(&self[n - s], SELF) || n - s >= sizeof(root))
		fail_msg("cannot find the source tree from %s", self);
	memcpy(root, self, n - s);
	root[n - s] = '\0';
	snprintf(dir, sizeof(dir), "%ssrc/core", root);

	files_seen = violations = 0;
	if (nftw(dir, scan_file, 16, FTW_PHYS))
		fail_msg("cannot walk %s", dir);

	/* agent.c, queue.c and event.c at least: an empty walk proves nothing */
	assert_true(files_seen >= 3);
	if (violations)
		fail_msg("%u forbidden include(s) under %s", violations, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classifier),
		cmocka_unit_test(test_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
