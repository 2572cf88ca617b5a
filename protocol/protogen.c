/* SPDX-License-Identifier: MIT */
/*
 * Build-time generator: reads protocol/loom-protocol.json (the protocol
 * as data) and writes a C header with the protocol version, one macro per
 * method (LOOM_METHOD_RUN_START "run.start") and per event
 * (LOOM_EVENT_RUN_FINISHED "run.finished"), and NULL-terminated lists of
 * both names. loomd's method tables spell their names with these macros,
 * so a method missing from the schema does not compile; the unit test
 * test-protocol checks the reverse. The schema is checked on the way: a
 * method without params, result or errors, an error code the schema does
 * not define, or a name that is not "group.verb" stops the build with a
 * message naming it.
 *
 * Usage: loom-protogen SCHEMA OUTPUT
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static int	protogen_check_name(const char *kind, const char *name);
static int	protogen_check_method(json_t *doc, const char *name,
		    json_t *m);
static void	protogen_macro(FILE *f, const char *prefix, const char *name);
static int	protogen_names(FILE *f, json_t *doc, const char *member,
		    const char *prefix, const char *list);

/* "group.verb": lower-case letters, digits and '_', one dot. */
static int
protogen_check_name(const char *kind, const char *name)
{
	const char *dot = strchr(name, '.'), *p;

	if (dot == NULL || dot == name || dot[1] == '\0' ||
	    strchr(dot + 1, '.') != NULL)
		goto fail;
	for (p = name; *p != '\0'; p++) {
		if (p != dot && !islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '_')
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "loom-protogen: %s name \"%s\" is not group.verb "
	    "(lower-case letters, digits, '_')\n", kind, name);
	return -1;
}

/* A method needs params, result and errors the schema defines. */
static int
protogen_check_method(json_t *doc, const char *name, json_t *m)
{
	json_t *errors = json_object_get(m, "errors"), *code;
	char key[32];
	size_t i;

	if (!json_is_object(json_object_get(m, "params")) ||
	    !json_is_object(json_object_get(m, "result")) ||
	    !json_is_array(errors)) {
		fprintf(stderr, "loom-protogen: method %s needs \"params\", "
		    "\"result\" and \"errors\"\n", name);
		return -1;
	}
	json_array_foreach(errors, i, code) {
		snprintf(key, sizeof key, "%lld",
		    (long long)json_integer_value(code));
		if (!json_is_integer(code) || json_object_get(json_object_get(
		    doc, "errors"), key) == NULL) {
			fprintf(stderr, "loom-protogen: method %s: error %s "
			    "is not in the schema's \"errors\"\n", name, key);
			return -1;
		}
	}
	return 0;
}

/* #define PREFIX_GROUP_VERB "group.verb" */
static void
protogen_macro(FILE *f, const char *prefix, const char *name)
{
	const char *p;

	fprintf(f, "#define %s", prefix);
	for (p = name; *p != '\0'; p++)
		fputc(*p == '.' ? '_' : toupper((unsigned char)*p), f);
	fprintf(f, " \"%s\"\n", name);
}

/* The macros of one member ("methods", "events") and their list. */
static int
protogen_names(FILE *f, json_t *doc, const char *member, const char *prefix,
    const char *list)
{
	json_t *all = json_object_get(doc, member), *v;
	const char *name;

	if (!json_is_object(all) || json_object_size(all) == 0) {
		fprintf(stderr, "loom-protogen: no \"%s\" in the schema\n",
		    member);
		return -1;
	}
	json_object_foreach(all, name, v) {
		if (protogen_check_name(member, name) == -1)
			return -1;
		if (strcmp(member, "methods") == 0 &&
		    protogen_check_method(doc, name, v) == -1)
			return -1;
		if (strcmp(member, "events") == 0 &&
		    !json_is_object(json_object_get(v, "params"))) {
			fprintf(stderr, "loom-protogen: event %s needs "
			    "\"params\"\n", name);
			return -1;
		}
		protogen_macro(f, prefix, name);
	}
	fprintf(f, "#define %s \\\n", list);
	json_object_foreach(all, name, v)
		fprintf(f, "\t\"%s\", \\\n", name);
	fprintf(f, "\tNULL\n\n");
	return 0;
}

int
main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *doc;
	FILE *f = NULL;
	char *tmp = NULL;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: loom-protogen SCHEMA OUTPUT\n");
		return 2;
	}
	if ((doc = json_load_file(argv[1], JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		fprintf(stderr, "%s:%d:%d: %s\n", argv[1], jerr.line,
		    jerr.column, jerr.text);
		return 1;
	}
	if (!json_is_integer(json_object_get(doc, "protocol"))) {
		fprintf(stderr, "%s: no integer \"protocol\" version\n",
		    argv[1]);
		goto fail;
	}
	if (asprintf(&tmp, "%s.tmp", argv[2]) == -1 ||
	    (f = fopen(tmp, "w")) == NULL) {
		perror(argv[2]);
		goto fail;
	}
	fprintf(f, "/* Generated from protocol/loom-protocol.json by "
	    "loom-protogen: do not edit. */\n"
	    "#ifndef LOOM_PROTOCOL_NAMES_H\n#define LOOM_PROTOCOL_NAMES_H\n\n"
	    "#define LOOM_PROTOCOL_SCHEMA_VERSION %lld\n\n",
	    (long long)json_integer_value(json_object_get(doc, "protocol")));
	if (protogen_names(f, doc, "methods", "LOOM_METHOD_",
	    "LOOM_PROTOCOL_METHOD_NAMES") == -1 ||
	    protogen_names(f, doc, "events", "LOOM_EVENT_",
	    "LOOM_PROTOCOL_EVENT_NAMES") == -1)
		goto fail;
	fprintf(f, "#endif\n");
	if (fclose(f) != 0) {
		f = NULL;
		perror(tmp);
		goto fail;
	}
	f = NULL;
	if (rename(tmp, argv[2]) == -1) {
		perror(argv[2]);
		goto fail;
	}
	rc = 0;
fail:
	if (f != NULL) {
		fclose(f);
		remove(tmp);
	}
	free(tmp);
	json_decref(doc);
	return rc;
}
