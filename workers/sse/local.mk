# workers/sse/local.mk: owned by its area; see Makefile.am
