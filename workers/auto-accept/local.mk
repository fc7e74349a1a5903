# workers/auto-accept/local.mk: owned by its area; see Makefile.am
