# bench/local.mk: benchmarks that print figures (never run by make check).
EXTRA_DIST += bench/restart.mjs

# Time from kill -9 of a worker to its replacement being ready (median of 20).
bench-restart: connectord connectorctl
	CONNECTOR_SRCDIR='$(abs_top_srcdir)' CONNECTOR_BUILDDIR='$(abs_top_builddir)' \
	CONNECTOR_LIBEXEC_DIR='$(abs_top_builddir)' CONNECTOR_DEFAULT_CONFIG='$(abs_top_srcdir)/etc/default.json' \
	node $(top_srcdir)/bench/restart.mjs $(BENCH_ARGS)

bench: bench-restart
.PHONY: bench bench-restart
