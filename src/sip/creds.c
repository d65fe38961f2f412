/** @file sip/creds.c  Refcounted digest credentials for libre */
#include <errno.h>
#include <sodium.h>
#include <re.h>
#include <hotline/trunk.h>
#include "creds.h"

struct creds {
	char user[TRUNK_CRED_MAX];
	char pass[TRUNK_CRED_MAX];
};

static void destructor(void *arg)
{
	sodium_memzero(arg, sizeof(struct creds));
}

int creds_alloc(struct creds **cp, const char *user, const char *pass)
{
	struct creds *c = mem_zalloc(sizeof(*c), destructor);

	if (!c)
		return ENOMEM;
	str_ncpy(c->user, user, sizeof(c->user));
	str_ncpy(c->pass, pass, sizeof(c->pass));
	*cp = c;
	return 0;
}

int creds_auth_h(char **user, char **pass, const char *realm, void *arg)
{
	const struct creds *c = arg;
	int err;
	(void)realm;

	if (!c->user[0])
		return EAUTH;
	err = str_dup(user, c->user);
	if (!err)
		err = str_dup(pass, c->pass);
	return err;
}
