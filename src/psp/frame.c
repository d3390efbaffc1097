/* The socket framing of `softsev psp serve` (psp.h): a request carries a command id, its command
 * buffer and a data window that is copied into system memory at SPA 0 before the command runs and
 * read back after it, so addresses in the buffer point into the window. Malformed frames get an
 * error response (status INVALID_LENGTH or INVALID_PARAM), never a crash. */
#include <stdlib.h>
#include <string.h>

#include "psp/psp_internal.h"
#include "util/bytes.h"

static int respond(uint32_t status, const uint8_t *buf, uint32_t buf_len, const uint8_t *data,
		   uint32_t data_len, const char *msg, uint8_t **out, size_t *out_len)
{
	uint32_t msg_len = (uint32_t)strlen(msg);
	size_t n = SS_PSP_FRAME_RESP_HDR + (size_t)buf_len + data_len + msg_len;
	uint8_t *r = malloc(n);
	if (!r)
		return SS_ENOMEM;
	memcpy(r, "SSPR", 4);
	ss_put_le32(r + 4, status);
	ss_put_le32(r + 8, buf_len);
	ss_put_le32(r + 12, data_len);
	ss_put_le32(r + 16, msg_len);
	if (buf_len)
		memcpy(r + 20, buf, buf_len);
	if (data_len)
		memcpy(r + 20 + buf_len, data, data_len);
	memcpy(r + 20 + buf_len + data_len, msg, msg_len);
	*out = r;
	*out_len = n;
	return 0;
}

int ss_psp_frame_handle(ss_psp *psp, const uint8_t *req, size_t req_len, uint8_t **resp,
			size_t *resp_len)
{
	if (req_len < SS_PSP_FRAME_REQ_HDR || memcmp(req, "SSPQ", 4))
		return respond(SS_SEV_INVALID_PARAM, NULL, 0, NULL, 0,
			       "frame: no \"SSPQ\" request header", resp, resp_len);
	uint32_t cmd = ss_le32(req + 4), buf_len = ss_le32(req + 8), data_len = ss_le32(req + 12);
	if (buf_len > SS_PSP_FRAME_MAX_BUF || data_len > SS_PSP_FRAME_MAX_DATA ||
	    req_len != SS_PSP_FRAME_REQ_HDR + (size_t)buf_len + data_len)
		return respond(
		    SS_SEV_INVALID_LENGTH, NULL, 0, NULL, 0,
		    "frame: buf_len/data_len do not match the frame or exceed the limits", resp,
		    resp_len);
	uint8_t buf[SS_PSP_FRAME_MAX_BUF];
	memcpy(buf, req + SS_PSP_FRAME_REQ_HDR, buf_len);
	const uint8_t *data = req + SS_PSP_FRAME_REQ_HDR + buf_len;
	uint8_t *window = NULL;
	ss_error err = {0};
	uint32_t status = SS_SEV_SUCCESS;
	if (data_len) {
		window = malloc(data_len);
		if (!window)
			return SS_ENOMEM;
		if (!psp->mem || psp->mem->write(psp->mem_ctx, 0, data, data_len))
			status = ss_psp_fail(&err, SS_SEV_INVALID_LENGTH,
					     "frame: data_len %u does not fit the server's memory",
					     data_len);
	}
	if (!status)
		ss_psp_command(psp, cmd, buf_len ? buf : NULL, buf_len, &status, &err);
	if (data_len && psp->mem && psp->mem->read(psp->mem_ctx, 0, window, data_len))
		memset(window, 0, data_len);
	int rc =
	    respond(status, buf, buf_len, window, data_len, status ? err.msg : "", resp, resp_len);
	free(window);
	return rc;
}
