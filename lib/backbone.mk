# lib/backbone.mk: owned by its area; see Makefile.am
