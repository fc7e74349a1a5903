# lib/db.mk: owned by its area; see Makefile.am
