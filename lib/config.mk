# lib/config.mk: owned by its area; see Makefile.am
