/* SPDX-License-Identifier: MIT */
/*
 * The content hash cache (hashcache.h): a chained hash table of entries
 * that are also on a list from most to least recently used, under one
 * mutex. Entries are allocated as they are first needed; once there are
 * HASHCACHE_MAX, the least recently used one is taken over.
 */
#include <sys/stat.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/fresh/hashcache.h"
#include "common/util/memhash.h"
#include "common/util/xmalloc.h"

#define HASHCACHE_BUCKETS	(HASHCACHE_MAX * 2)	/* a power of two */
/*
 * Change times closer than this to the start of a hashing are not
 * trusted (as stamp.c's racy margins): a file system clock ticks every
 * few milliseconds, or every second (or two) when it keeps seconds only.
 */
#define HASHCACHE_RACY_NS	(50LL * 1000 * 1000)
#define HASHCACHE_RACY_COARSE_NS (2LL * 1000 * 1000 * 1000)

struct hashcache_key {
	dev_t dev;
	ino_t ino;
	long long size;
	long long mtime_ns;
	long long ctime_ns;
};

struct hashcache_entry {
	struct hashcache_key key;
	char hex[65];
	struct hashcache_entry *chain;		/* same bucket */
	struct hashcache_entry *newer, *older;	/* use order */
};

static pthread_mutex_t hashcache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hashcache_entry **hashcache_buckets;	/* under lock */
static struct hashcache_entry *hashcache_newest, *hashcache_oldest;
static size_t hashcache_n;
static struct hashcache_stats hashcache_counts;

static long long
hashcache_ns(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void
hashcache_key_of(const struct stat *st, struct hashcache_key *k)
{
	memset(k, 0, sizeof *k);
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = (long long)st->st_size;
	k->mtime_ns = hashcache_ns(&st->st_mtim);
	k->ctime_ns = hashcache_ns(&st->st_ctim);
}

static size_t
hashcache_bucket(const struct hashcache_key *k)
{
	return (size_t)(memhash(k, sizeof *k) & (HASHCACHE_BUCKETS - 1));
}

static bool
hashcache_same(const struct hashcache_key *a, const struct hashcache_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* Take e off the use list. */
static void
hashcache_unlink(struct hashcache_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		hashcache_newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		hashcache_oldest = e->newer;
	e->newer = e->older = NULL;
}

/* Put e at the head of the use list. */
static void
hashcache_push(struct hashcache_entry *e)
{
	e->newer = NULL;
	e->older = hashcache_newest;
	if (hashcache_newest != NULL)
		hashcache_newest->newer = e;
	hashcache_newest = e;
	if (hashcache_oldest == NULL)
		hashcache_oldest = e;
}

/* The entry for k, or NULL; *slot is where it is chained. */
static struct hashcache_entry *
hashcache_find(const struct hashcache_key *k, struct hashcache_entry ***slot)
{
	struct hashcache_entry **p;

	if (hashcache_buckets == NULL)
		hashcache_buckets = xcalloc(HASHCACHE_BUCKETS,
		    sizeof *hashcache_buckets);
	for (p = &hashcache_buckets[hashcache_bucket(k)]; *p != NULL;
	    p = &(*p)->chain) {
		if (hashcache_same(&(*p)->key, k))
			break;
	}
	*slot = p;
	return *p;
}

bool
hashcache_get(const struct stat *st, char out[65])
{
	struct hashcache_entry *e, **slot;
	struct hashcache_key k;

	hashcache_key_of(st, &k);
	pthread_mutex_lock(&hashcache_lock);
	if ((e = hashcache_find(&k, &slot)) != NULL) {
		memcpy(out, e->hex, sizeof e->hex);
		hashcache_unlink(e);
		hashcache_push(e);
		hashcache_counts.hits++;
	}
	pthread_mutex_unlock(&hashcache_lock);
	return e != NULL;
}

/* An entry to fill: a new one, or the least recently used one. */
static struct hashcache_entry *
hashcache_take(void)
{
	struct hashcache_entry *e, **p;

	if (hashcache_n < HASHCACHE_MAX) {
		hashcache_n++;
		return xcalloc(1, sizeof *e);
	}
	e = hashcache_oldest;
	hashcache_unlink(e);
	for (p = &hashcache_buckets[hashcache_bucket(&e->key)]; *p != e;
	    p = &(*p)->chain)
		continue;
	*p = e->chain;
	return e;
}

bool
hashcache_keeps(const struct stat *st, long long begin_ns)
{
	long long ctime_ns = hashcache_ns(&st->st_ctim);

	return ctime_ns <= begin_ns - (ctime_ns % 1000000000LL == 0 ?
	    HASHCACHE_RACY_COARSE_NS : HASHCACHE_RACY_NS);
}

void
hashcache_put(const struct stat *st, long long begin_ns, const char hex[65])
{
	struct hashcache_entry *e, **slot;
	struct hashcache_key k;

	if (!hashcache_keeps(st, begin_ns))
		return;
	hashcache_key_of(st, &k);
	pthread_mutex_lock(&hashcache_lock);
	if ((e = hashcache_find(&k, &slot)) == NULL) {
		e = hashcache_take();
		e->key = k;
		e->chain = hashcache_buckets[hashcache_bucket(&k)];
		hashcache_buckets[hashcache_bucket(&k)] = e;
	} else
		hashcache_unlink(e);
	memcpy(e->hex, hex, sizeof e->hex);
	hashcache_push(e);
	pthread_mutex_unlock(&hashcache_lock);
}

void
hashcache_count(uint64_t bytes)
{
	pthread_mutex_lock(&hashcache_lock);
	hashcache_counts.bytes += bytes;
	hashcache_counts.files++;
	pthread_mutex_unlock(&hashcache_lock);
}

void
hashcache_stats(struct hashcache_stats *out)
{
	pthread_mutex_lock(&hashcache_lock);
	*out = hashcache_counts;
	out->entries = hashcache_n;
	pthread_mutex_unlock(&hashcache_lock);
}

void
hashcache_clear(void)
{
	struct hashcache_entry *e, *next;

	pthread_mutex_lock(&hashcache_lock);
	for (e = hashcache_newest; e != NULL; e = next) {
		next = e->older;
		free(e);
	}
	free(hashcache_buckets);
	hashcache_buckets = NULL;
	hashcache_newest = hashcache_oldest = NULL;
	hashcache_n = 0;
	pthread_mutex_unlock(&hashcache_lock);
}
