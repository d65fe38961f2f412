/** @file store/sqlite_checkpoint.h  WAL checkpoints off the event loop */
#ifndef STORE_SQLITE_CHECKPOINT_H
#define STORE_SQLITE_CHECKPOINT_H

#include <stdbool.h>

struct sqlite_ckpt;

int  sqlite_ckpt_start(struct sqlite_ckpt **ckp, const char *path,
		       unsigned interval_ms);
void sqlite_ckpt_stop(struct sqlite_ckpt *ck);

#endif
