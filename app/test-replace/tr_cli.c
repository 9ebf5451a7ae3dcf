/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The dma-replace authors
 */

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

/* Last token of a completion-only instance: never matches (so that a
 * complete line matches inst_line alone, not ambiguously), offers no
 * completion, and shows the command's argument synopsis as help.
 */
struct never_token {
	struct cmdline_token_hdr hdr;
	const char *help;
};

static int
never_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res, unsigned int size)
{
	RTE_SET_USED(tk);
	RTE_SET_USED(buf);
	RTE_SET_USED(res);
	RTE_SET_USED(size);
	return -1;
}

static int
never_help(cmdline_parse_token_hdr_t *tk, char *buf, unsigned int size)
{
	const struct never_token *t = (const struct never_token *)tk;

	strlcpy(buf, t->help, size);
	return 0;
}

static struct cmdline_token_ops never_ops = {
	.parse = never_parse,
	.get_help = never_help,
};

/* Completion-only instance of one command: its keywords, then the rest. */
static cmdline_parse_inst_t *
make_inst(const struct tr_cmd *c)
{
	cmdline_parse_token_string_t *toks;
	struct never_token *never;
	cmdline_parse_inst_t *inst;
	char *words, *w, *save;
	size_t hl;
	char *help;
	int n = 0;

	inst = calloc(1, sizeof(*inst) + (MAX_WORDS + 2) * sizeof(inst->tokens[0]));
	toks = calloc(MAX_WORDS + 1, sizeof(*toks));
	never = calloc(1, sizeof(*never));
	words = strdup(c->words);
	hl = strlen(c->words) + strlen(c->args) + strlen(c->help) + 8;
	help = malloc(hl);
	if (inst == NULL || toks == NULL || never == NULL || words == NULL || help == NULL) {
		free(never);
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
	never->hdr.ops = &never_ops;
	never->hdr.offset = 0;
	never->help = c->args[0] != '\0' ? c->args : "(no arguments)";
	inst->tokens[n++] = &never->hdr;
	inst->tokens[n] = NULL;
	snprintf(help, hl, "%s %s: %s", c->words, c->args, c->help);
	inst->help_str = help;
	inst->f = on_line; /* never called: inst_line matches first */
	return inst;
}

static void
free_inst(cmdline_parse_inst_t *inst)
{
	cmdline_parse_token_string_t *toks;
	unsigned int n;

	if (inst == NULL)
		return;
	toks = (cmdline_parse_token_string_t *)inst->tokens[0];
	for (n = 0; inst->tokens[n] != NULL; n++)
		;
	/* the last token is the never_token; the keywords share one strdup */
	free(inst->tokens[n - 1]);
	if (n > 1)
		free((void *)(uintptr_t)toks[0].string_data.str);
	free(toks);
	free((void *)(uintptr_t)inst->help_str);
	free(inst);
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
	for (i = 0; i < n; i++)
		free_inst(ctx[i + 1]);
	free(ctx);
	return 0;
}
