/** @file sim/main.c  hotline-sim: command line and the JSON report */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <hotline/queue.h>
#include "sim.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hotline-sim --arrival-rate PER_S --handle-time MEAN_S "
		"--agents N\n"
		"                   --calls COUNT --seed S [--strategy NAME] "
		"[--sl-threshold S]\n"
		"                   [--warmup COUNT] [--batches B]\n"
		"\n"
		"Drives the ACD router in virtual time: one queue of N "
		"agents, Poisson\n"
		"arrivals, exponential handle times, wrap-up 0; prints one "
		"JSON object.\n"
		"\n"
		"  --arrival-rate R   calls per second (> 0)\n"
		"  --handle-time H    mean handle time in seconds (> 0)\n"
		"  --agents N         agents in the queue (1..%u)\n"
		"  --calls C          calls to generate (1..%llu)\n"
		"  --seed S           random seed (0..2^63-1)\n"
		"  --strategy NAME    ring_all, round_robin, longest_idle "
		"(default),\n"
		"                     least_calls, random, top_down, skills\n"
		"  --sl-threshold S   service level threshold in seconds "
		"(default 20)\n"
		"  --warmup W         first calls left out of the figures "
		"(default C/10)\n"
		"  --batches B        batch means over the measured calls "
		"(default 20)\n"
		"\n"
		"Exit 0, 1 when a router invariant failed (the JSON says "
		"which) or the run\n"
		"failed, 2 on bad arguments.\n",
		SIM_AGENTS_MAX, (unsigned long long)SIM_CALLS_MAX);
}


static bool parse_real(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);

	return !errno && end != s && !*end && isfinite(*v);
}


static bool parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);

	return !errno && !*end && *v <= max;
}


/* Options into p; false on anything missing, unknown or out of range */
static bool parse_args(int argc, char *argv[], struct sim_params *p)
{
	static const struct option longopts[] = {
		{"arrival-rate", required_argument, NULL, 'r'},
		{"handle-time", required_argument, NULL, 'h'},
		{"agents", required_argument, NULL, 'n'},
		{"calls", required_argument, NULL, 'c'},
		{"seed", required_argument, NULL, 's'},
		{"strategy", required_argument, NULL, 'S'},
		{"sl-threshold", required_argument, NULL, 't'},
		{"warmup", required_argument, NULL, 'w'},
		{"batches", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0}
	};
	unsigned have = 0;   /* bit per required option */
	bool have_w = false;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!parse_real(optarg, &p->arrival_rate) ||
			    !(p->arrival_rate > 0))
				return false;
			have |= 1;
			break;
		case 'h':
			if (!parse_real(optarg, &p->handle_s) ||
			    !(p->handle_s > 0))
				return false;
			have |= 2;
			break;
		case 'n':
			if (!parse_uint(optarg, SIM_AGENTS_MAX, &v) || !v)
				return false;
			p->agents = (uint32_t)v;
			have |= 4;
			break;
		case 'c':
			if (!parse_uint(optarg, SIM_CALLS_MAX, &p->calls) ||
			    !p->calls)
				return false;
			have |= 8;
			break;
		case 's':
			if (!parse_uint(optarg, INT64_MAX, &p->seed))
				return false;
			have |= 16;
			break;
		case 'S':
			if (queue_strategy_parse(optarg, &p->strategy))
				return false;
			break;
		case 't':
			if (!parse_real(optarg, &p->sl_threshold_s) ||
			    !(p->sl_threshold_s > 0) ||
			    p->sl_threshold_s > 86400)
				return false;
			break;
		case 'w':
			if (!parse_uint(optarg, SIM_CALLS_MAX, &p->warmup))
				return false;
			have_w = true;
			break;
		case 'b':
			if (!parse_uint(optarg, SIM_BATCHES_MAX, &v) || v < 2)
				return false;
			p->batches = (uint32_t)v;
			break;
		case 'H':
			usage(stdout);
			exit(0);
		default:
			return false;
		}
	}

	if (optind < argc || have != 31)
		return false;
	if (!have_w)
		p->warmup = p->calls / 10;

	return p->warmup < p->calls;
}


/* A real, or null when it is not a number (nothing measured) */
static json_t *jreal(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}


static json_t *batches_json(const struct sim_result *res)
{
	json_t *pw = json_array(), *asa = json_array(), *sl = json_array();

	for (uint32_t i = 0; i < res->batchc; i++) {
		const struct sim_batch *b = &res->batchv[i];
		double n = (double)b->n;

		json_array_append_new(pw, jreal((double)b->waited / n));
		json_array_append_new(asa, jreal(b->wait_sum / n));
		json_array_append_new(sl, jreal((double)b->within / n));
	}

	return json_pack("{s:i, s:I, s:o, s:o, s:o}",
			 "count", (int)res->batchc,
			 "size", (json_int_t)(res->batchc ?
					      res->batchv[0].n : 0),
			 "p_wait", pw, "asa_s", asa, "service_level", sl);
}


static json_t *checks_json(const struct sim_checks *c)
{
	return json_pack("{s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "reference_mismatches", (json_int_t)c->ref_mismatch,
			 "reference_max_diff_s", c->ref_max_diff_s,
			 "fifo_violations", (json_int_t)c->fifo,
			 "bad_offers", (json_int_t)c->bad_offer,
			 "bad_accepts", (json_int_t)c->bad_accept,
			 "idle_while_waiting", (json_int_t)c->idle_waiting,
			 "overflows", (json_int_t)c->overflow,
			 "watchdog_corrections", (json_int_t)c->corrected,
			 "router_errors", (json_int_t)c->errors,
			 "unsettled_drains", (json_int_t)c->unsettled,
			 "stale_deadlines", (json_int_t)c->stale_deadline,
			 "unanswered", (json_int_t)c->unanswered,
			 "drains", (json_int_t)c->drains,
			 "deadline_drains", (json_int_t)c->deadline_drains,
			 "offers", (json_int_t)c->offers,
			 "accepts", (json_int_t)c->accepts,
			 "stale_accepts", (json_int_t)c->stale_accepts,
			 "offer_ends", (json_int_t)c->offer_ends);
}


static json_t *rstats_json(const struct sim_rstats *rs)
{
	double n = (double)rs->answered;

	return json_pack("{s:i, s:I, s:I, s:o, s:o, s:i, s:s?}",
			 "days", (int)rs->days,
			 "offered", (json_int_t)rs->offered,
			 "answered", (json_int_t)rs->answered,
			 "asa_s", jreal(rs->wait_ms_sum / n / 1000.0),
			 "service_level", jreal((double)rs->within / n),
			 "mismatched_days", (int)rs->mismatched_days,
			 "first_mismatch", rs->first_mismatch[0] ?
			 rs->first_mismatch : NULL);
}


static json_t *report(const struct sim_params *p,
		      const struct sim_result *res, double cpu_s)
{
	double m = (double)res->measured, a = p->arrival_rate * p->handle_s;
	json_t *o;

	o = json_pack("{s:I, s:I, s:I, s:i, s:s, s:I, s:f, s:f, s:f, s:f,"
		      " s:f}",
		      "calls", (json_int_t)p->calls,
		      "warmup_calls", (json_int_t)p->warmup,
		      "measured_calls", (json_int_t)res->measured,
		      "agents", (int)p->agents,
		      "strategy", queue_strategy_name(p->strategy),
		      "seed", (json_int_t)p->seed,
		      "arrival_rate", p->arrival_rate,
		      "handle_time_s", p->handle_s,
		      "sl_threshold_s", p->sl_threshold_s,
		      "offered_load_erlangs", a,
		      "utilization", a / p->agents);
	if (!o)
		return NULL;

	json_object_set_new(o, "p_wait", jreal((double)res->waited / m));
	json_object_set_new(o, "asa_s", jreal(res->wait_sum / m));
	json_object_set_new(o, "service_level",
			    jreal((double)res->within / m));
	json_object_set_new(o, "mean_wait_of_waited_s",
			    jreal(res->wait_sum / (double)res->waited));
	json_object_set_new(o, "max_wait_s", jreal(res->wait_max));
	json_object_set_new(o, "mean_handle_s", jreal(res->handle_sum / m));
	json_object_set_new(o, "occupancy",
			    jreal(res->busy_area /
				  (res->window_s * p->agents)));
	json_object_set_new(o, "simulated_s", jreal(res->end_s));
	json_object_set_new(o, "cpu_s", jreal(cpu_s));
	json_object_set_new(o, "batches", batches_json(res));
	json_object_set_new(o, "router_stats", rstats_json(&res->rs));
	json_object_set_new(o, "checks", checks_json(&res->chk));
	json_object_set_new(o, "ok", json_boolean(sim_checks_ok(&res->chk) &&
						  !res->rs.mismatched_days));

	return o;
}


int main(int argc, char *argv[])
{
	struct sim_params p = {
		.strategy = QUEUE_LONGEST_IDLE,
		.sl_threshold_s = 20,
		.batches = 20,
	};
	struct sim_result res;
	clock_t c0;
	json_t *o;
	bool ok;
	int err;

	if (!parse_args(argc, argv, &p)) {
		usage(stderr);
		return EXIT_USAGE;
	}

	c0 = clock();
	err = sim_run(&p, &res);
	if (err) {
		fprintf(stderr, "hotline-sim: %s\n", strerror(err));
		return 1;
	}

	o = report(&p, &res, (double)(clock() - c0) / CLOCKS_PER_SEC);
	ok = o && json_is_true(json_object_get(o, "ok"));
	if (!o || json_dumpf(o, stdout, JSON_REAL_PRECISION(10)) ||
	    fputc('\n', stdout) == EOF || fflush(stdout)) {
		fprintf(stderr, "hotline-sim: cannot write the report\n");
		ok = false;
	}
	json_decref(o);
	sim_result_reset(&res);

	return ok ? 0 : 1;
}
