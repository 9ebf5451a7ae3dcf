/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Interactive prompt on DPDK's cmdline library. The first instance takes
 * any line as one multi-word token and hands it to the command dispatcher
 * (one parser for prompt and scripts, with errors that name the bad
 * argument). One more instance per command, made of its keywords, gives
 * TAB completion and the '?' help of the cmdline library.
 */

#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>

#include "tr_app.h"

#define MAX_WORDS 4

struct line_res {
	cmdline_multi_string_t line;
};

static void
on_line(void *parsed, struct cmdline *cl, void *data)
{
	struct line_res *r = parsed;

	RTE_SET_USED(data);
	tr_cmd_exec(r->line);
	if (tr_app.quit)
		cmdline_quit(cl);
}

static cmdline_parse_token_string_t tok_line =
	TOKEN_STRING_INITIALIZER(struct line_res, line, TOKEN_STRING_MULTI);

static cmdline_parse_inst_t inst_line = {
	.f = on_line,
	.data = NULL,
	.help_str = "<command> [args...]: any command ('help' lists them)",
	.tokens = { (void *)&tok_line, NULL },
};

/* Completion-only instance of one command: its keywords, then the rest. */
static cmdline_parse_inst_t *
make_inst(const struct tr_cmd *c)
{
	cmdline_parse_token_string_t *toks;
	cmdline_parse_inst_t *inst;
	char *words, *w, *save;
	size_t hl;
	char *help;
	int n = 0;

	inst = calloc(1, sizeof(*inst) + (MAX_WORDS + 2) * sizeof(inst->tokens[0]));
	toks = calloc(MAX_WORDS + 1, sizeof(*toks));
	words = strdup(c->words);
	hl = strlen(c->words) + strlen(c->args) + strlen(c->help) + 8;
	help = malloc(hl);
	if (inst == NULL || toks == NULL || words == NULL || help == NULL) {
		free(inst);
		free(toks);
		free(words);
		free(help);
		return NULL;
	}
	for (w = strtok_r(words, " ", &save); w != NULL && n < MAX_WORDS;
			w = strtok_r(NULL, " ", &save), n++) {
		toks[n].hdr.ops = &cmdline_token_string_ops;
		toks[n].hdr.offset = n * STR_TOKEN_SIZE;
		toks[n].string_data.str = w;
		inst->tokens[n] = &toks[n].hdr;
	}
	if (c->args[0] != '\0') {
		toks[n].hdr.ops = &cmdline_token_string_ops;
		toks[n].hdr.offset = n * STR_TOKEN_SIZE;
		toks[n].string_data.str = TOKEN_STRING_MULTI;
		inst->tokens[n] = &toks[n].hdr;
		n++;
	}
	inst->tokens[n] = NULL;
	snprintf(help, hl, "%s %s: %s", c->words, c->args, c->help);
	inst->help_str = help;
	inst->f = on_line; /* never called: inst_line matches first */
	return inst;
}

int
tr_cli_run(void)
{
	cmdline_parse_ctx_t *ctx;
	struct cmdline *cl;
	unsigned int n = 0, i;

	while (tr_cmds[n].words != NULL)
		n++;
	ctx = calloc(n + 2, sizeof(*ctx));
	if (ctx == NULL)
		return -1;
	ctx[0] = &inst_line;
	for (i = 0; i < n; i++)
		ctx[i + 1] = make_inst(&tr_cmds[i]);
	ctx[n + 1] = NULL;
	cl = cmdline_stdin_new(ctx, "test-replace> ");
	if (cl == NULL)
		return -1;
	cmdline_interact(cl);
	cmdline_stdin_exit(cl);
	/* instances stay allocated: cmdline may be used again */
	return 0;
}
