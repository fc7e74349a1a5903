# workers/http-api/local.mk: owned by its area; see Makefile.am
