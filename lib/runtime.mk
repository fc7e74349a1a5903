# lib/runtime.mk: owned by its area; see Makefile.am
