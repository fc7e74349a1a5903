# doc/local.mk: manual pages (connector.json(5) is listed in lib/config.mk).
dist_man_MANS += doc/connectord.8 doc/connectorctl.8
