# lib/crypto.mk: owned by its area; see Makefile.am
