# contrib/local.mk: scripts and the systemd unit.
dist_noinst_SCRIPTS += contrib/install-deps.sh contrib/pg-private.sh contrib/run.sh contrib/test.sh
EXTRA_DIST += contrib/systemd/connectord.service.in .ci/run doc/HACKING.md

systemdsystemunitdir = $(prefix)/lib/systemd/system
systemdsystemunit_DATA = connectord.service
CLEANFILES += connectord.service
connectord.service: $(top_srcdir)/contrib/systemd/connectord.service.in Makefile
	$(AM_V_GEN)sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(top_srcdir)/contrib/systemd/connectord.service.in >$@
