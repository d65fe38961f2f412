/** @file sim/rng.c  Seeded random numbers for hotline-sim: splitmix64
 *  seeding, xoshiro256** (Blackman and Vigna), inverse-transform
 *  exponential variates */
#include <math.h>
#include <stdint.h>
#include "sim.h"


static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

	return z ^ (z >> 31);
}


static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}


/**
 * Seed g from (seed, stream): distinct streams of one seed are
 * independent sequences (the simulation draws arrivals and handle times
 * from two streams, so changing N keeps both sequences).
 */
void sim_rng_seed(struct sim_rng *g, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		g->s[i] = splitmix64(&x);
}


/** The next 64 random bits. */
uint64_t sim_rng_next(struct sim_rng *g)
{
	uint64_t *s = g->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);

	return r;
}


/** An exponential variate of the given mean: -mean * ln(u), u uniform in
 *  (0, 1] with 53 random bits (never ln(0)). */
double sim_rng_exp(struct sim_rng *g, double mean)
{
	double u = (double)((sim_rng_next(g) >> 11) + 1) * 0x1p-53;

	return -mean * log(u);
}
