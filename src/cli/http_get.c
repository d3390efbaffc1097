/* A minimal HTTP/1.0 GET over plain TCP for `report verify --kds`: enough to fetch certificates
 * from softsev's own KDS (`softsev kds serve`, loopback, no TLS). AMD's real KDS needs HTTPS:
 * fetch from it with curl and pass the files. */
#include "cli/cli.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define HTTP_MAX_RESPONSE (1u << 20)

int ss_cli_http_get(const char *url, uint8_t **body, size_t *body_len, int *status, ss_error *err)
{
	*body = NULL;
	*body_len = 0;
	*status = 0;
	if (strncmp(url, "http://", 7))
		return ss_fail(err, SS_EINVAL,
			       "%s: only http:// URLs are supported (softsev kds serve)", url);
	const char *host = url + 7, *slash = strchr(host, '/');
	const char *path = slash ? slash : "/";
	size_t hlen = slash ? (size_t)(slash - host) : strlen(host);
	char hostport[256], port[16] = "80", name[256];
	if (!hlen || hlen >= sizeof(hostport))
		return ss_fail(err, SS_EINVAL, "%s: bad host", url);
	memcpy(hostport, host, hlen);
	hostport[hlen] = 0;
	/* [v6]:port or host:port */
	char *p = hostport, *colon;
	if (*p == '[') {
		char *end = strchr(p, ']');
		if (!end)
			return ss_fail(err, SS_EINVAL, "%s: bad IPv6 host", url);
		*end = 0;
		snprintf(name, sizeof(name), "%s", p + 1);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(p, ':');
		if (colon)
			*colon = 0;
		snprintf(name, sizeof(name), "%s", p);
	}
	if (colon) {
		if (!colon[1] || strlen(colon + 1) >= sizeof(port) ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return ss_fail(err, SS_EINVAL, "%s: bad port", url);
		snprintf(port, sizeof(port), "%s", colon + 1);
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	int gai = getaddrinfo(name, port, &hints, &ai);
	if (gai)
		return ss_fail(err, SS_EIO, "%s: %s", url, gai_strerror(gai));
	int fd = -1;
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0)
			continue;
		struct timeval tv = {.tv_sec = 30};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen)) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return ss_fail(err, SS_EIO, "%s: cannot connect", url);
	char req[2048];
	int n =
	    snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n",
		     path, hostport);
	if (n < 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n) {
		close(fd);
		return ss_fail(err, SS_EIO, "%s: cannot send the request", url);
	}
	uint8_t *buf = malloc(HTTP_MAX_RESPONSE + 1);
	size_t len = 0;
	ssize_t got;
	while (buf && len < HTTP_MAX_RESPONSE &&
	       (got = read(fd, buf + len, HTTP_MAX_RESPONSE - len)) > 0)
		len += (size_t)got;
	close(fd);
	if (!buf)
		return ss_fail(err, SS_ENOMEM, "out of memory");
	buf[len] = 0;
	int code = 0;
	const char *sep = NULL;
	for (size_t i = 0; i + 3 < len; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4)) {
			sep = (const char *)buf + i + 4;
			break;
		}
	if (!sep || sscanf((const char *)buf, "HTTP/%*d.%*d %d", &code) != 1) {
		free(buf);
		return ss_fail(err, SS_EIO, "%s: not an HTTP response", url);
	}
	size_t blen = len - (size_t)(sep - (const char *)buf);
	uint8_t *b = malloc(blen + 1);
	if (!b) {
		free(buf);
		return ss_fail(err, SS_ENOMEM, "out of memory");
	}
	memcpy(b, sep, blen);
	b[blen] = 0;
	free(buf);
	*body = b;
	*body_len = blen;
	*status = code;
	return 0;
}
