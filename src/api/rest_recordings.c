/** @file api/rest_recordings.c  /api/v1/recordings: WAV files recorded
 *  during calls (voicemail), their metadata and their audio */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <hotline/libre.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "hsrv.h"
#include "rest.h"

/* Larger files are not served (an hour of 8 kHz PCM is 57.6 MB) */
#define RECORDING_FILE_MAX (64u * 1024 * 1024)

static json_t *recording_json(const struct store_recording *rec)
{
	return json_pack("{s:s,s:s,s:s,s:I,s:I,s:o}", "id", rec->id,
			 "call_id", rec->call_id, "path", rec->path,
			 "duration_ms", (json_int_t)rec->duration_ms,
			 "bytes", (json_int_t)rec->bytes,
			 "created_at", rest_time_json(rec->created_ms));
}

static int list_recording(const struct store_recording *rec, void *arg)
{
	char cursor[24];

	re_snprintf(cursor, sizeof(cursor), "%llu",
		    (unsigned long long)rec->cursor);
	return rest_page_add(arg, recording_json(rec), cursor);
}

/* GET ?call_id=&limit=&cursor=: newest first */
static void recordings_list(struct rest_req *r)
{
	struct rest_page_ctx pc = {0};
	char cursor[24], call_id[CALL_ID_MAX] = "", *end;
	uint64_t before = 0;
	int err;

	if (rest_page(r, &pc.limit, cursor, sizeof(cursor)))
		return;
	if (cursor[0]) {
		errno = 0;
		before = strtoull(cursor, &end, 10);
		if (errno || *end || cursor[0] < '1' || cursor[0] > '9') {
			rest_error(r, 400, "invalid_query", "cursor",
				   "cursor is not one this server gave");
			return;
		}
	}
	err = rest_query(r, "call_id", call_id, sizeof(call_id));
	if (err == EPROTO)
		return;
	rest_records_settle(r);
	pc.items = json_array();
	err = store_recording_list(r->api->st, call_id, before, pc.limit + 1,
				   list_recording, &pc);
	rest_page_reply(r, &pc, err, "recordings");
}

static int load_recording(struct rest_req *r, struct store_recording *rec)
{
	int err;

	if (strlen(r->paramv[0]) >= STORE_RECORDING_ID_MAX) {
		rest_error(r, 404, "not_found", NULL, "recording not found");
		return ENOENT;
	}
	rest_records_settle(r);
	err = store_recording_get(r->api->st, r->paramv[0], rec);
	if (err)
		rest_error_store(r, err, "recording", "conflict");
	return err;
}

static void recordings_get(struct rest_req *r)
{
	struct store_recording rec;

	if (!load_recording(r, &rec))
		rest_reply_json(r, 200, recording_json(&rec), NULL);
}

/* The whole of path (a regular file of at most RECORDING_FILE_MAX
 * bytes) into *bufp (malloc'd) and *lenp. 0 or an errno. */
static int file_read(const char *path, char **bufp, size_t *lenp)
{
	struct stat stt;
	size_t got = 0;
	char *buf = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fstat(fd, &stt))
		err = errno;
	else if (!S_ISREG(stt.st_mode))
		err = EISDIR;
	else if ((uint64_t)stt.st_size > RECORDING_FILE_MAX)
		err = EFBIG;
	else if (!(buf = malloc(stt.st_size ? (size_t)stt.st_size : 1)))
		err = ENOMEM;
	while (!err && got < (size_t)stt.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)stt.st_size - got);

		if (n < 0 && errno != EINTR)
			err = errno;
		else if (n == 0)
			break;           /* shrank meanwhile: serve what is */
		else if (n > 0)
			got += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*bufp = buf;
	*lenp = got;
	return 0;
}

/* GET .../audio: the WAV itself. The file is read on the loop thread:
 * a voicemail is a few MiB at most (8 kHz, 16-bit). */
static void recordings_audio(struct rest_req *r)
{
	struct store_recording rec;
	char extra[STORE_RECORDING_ID_MAX + 64];
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (load_recording(r, &rec))
		return;
	err = file_read(rec.path, &buf, &len);
	if (err == ENOENT) {
		log_warn("api: recording %s: file %s is missing\n", rec.id,
			 rec.path);
		rest_error(r, 404, "file_missing", NULL, "the file of "
			   "recording %s is missing", rec.id);
		return;
	}
	if (err) {
		log_error("api: recording %s: cannot read %s (%m)\n", rec.id,
			  rec.path, err);
		rest_error(r, 500, "internal", NULL, "the recording cannot "
			   "be read");
		return;
	}
	/* ids are made by the recorder (hex); anything else gets no name
	 * rather than a header that could be bent */
	if (strspn(rec.id, "0123456789abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-") == strlen(rec.id))
		re_snprintf(extra, sizeof(extra), "Content-Disposition: "
			    "inline; filename=\"%s.wav\"\r\n", rec.id);
	else
		extra[0] = '\0';
	hconn_reply(r->c, 200, extra[0] ? extra : NULL, "audio/wav", buf,
		    len);
	free(buf);
}

const struct rest_route rest_recording_routes[] = {
	{"GET", "/api/v1/recordings", recordings_list, false},
	{"GET", "/api/v1/recordings/{id}", recordings_get, false},
	{"GET", "/api/v1/recordings/{id}/audio", recordings_audio, false},
	{NULL, NULL, NULL, false}
};
