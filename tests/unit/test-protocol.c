/* SPDX-License-Identifier: MIT */
/*
 * The daemon's method tables against protocol/loom-protocol.json (through
 * the generated protocol-names.h): every method of the schema is served
 * by exactly one table entry, and every table entry is a method of the
 * schema. Tables spell names with LOOM_METHOD_* macros, so a name the
 * schema lacks does not even compile; this test catches the reverse (a
 * method described but not served) and a name served twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util/protocol.h"
#include "loomd/rpc.h"

static const char *const schema_methods[] = { LOOM_PROTOCOL_METHOD_NAMES };
static const char *const schema_events[] = { LOOM_PROTOCOL_EVENT_NAMES };

static const struct rpc_method *const tables[] = {
	rpc_daemon_methods, rpc_run_methods, rpc_log_methods,
	rpc_pipeline_methods, rpc_file_methods, rpc_fresh_methods,
	rpc_task_methods,
};

static bool	in_schema(const char *name);
static size_t	served(const char *name);

static bool
in_schema(const char *name)
{
	size_t i;

	for (i = 0; schema_methods[i] != NULL; i++) {
		if (strcmp(schema_methods[i], name) == 0)
			return true;
	}
	return false;
}

/* How many table entries serve name. */
static size_t
served(const char *name)
{
	const struct rpc_method *m;
	size_t i, n = 0;

	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		for (m = tables[i]; m->name != NULL; m++)
			n += strcmp(m->name, name) == 0;
	}
	return n;
}

static void
test_protocol_every_schema_method_is_served(void **state)
{
	size_t i;

	for (i = 0; schema_methods[i] != NULL; i++) {
		if (served(schema_methods[i]) != 1)
			fail_msg("%s is served by %zu table entries, not 1",
			    schema_methods[i], served(schema_methods[i]));
		assert_non_null(rpc_find_method(schema_methods[i]));
	}
	assert_true(i >= 20);
}

static void
test_protocol_every_served_method_is_in_schema(void **state)
{
	const struct rpc_method *m;
	size_t i;

	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		for (m = tables[i]; m->name != NULL; m++) {
			if (!in_schema(m->name))
				fail_msg("%s is served but not in "
				    "loom-protocol.json", m->name);
		}
	}
}

static void
test_protocol_version_and_events(void **state)
{
	size_t i;

	assert_int_equal(LOOM_PROTOCOL_VERSION, LOOM_PROTOCOL_SCHEMA_VERSION);
	assert_string_equal(LOOM_EVENT_RUN_FINISHED, "run.finished");
	for (i = 0; schema_events[i] != NULL; i++)
		assert_null(rpc_find_method(schema_events[i]));
	assert_int_equal(i, 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_every_schema_method_is_served),
		cmocka_unit_test(test_protocol_every_served_method_is_in_schema),
		cmocka_unit_test(test_protocol_version_and_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
