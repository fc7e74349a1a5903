# workers/publisher/local.mk: owned by its area; see Makefile.am
